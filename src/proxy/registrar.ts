/**
 * Registration of the policy with oxd (ARCHITECTURE.md, invariant 7): idempotent, because `uma_rs_protect` with
 * overwrite re-creates every resource under new ids and so voids every RPT already issued.
 * What oxd holds is read with get_rp where the protocol has it (one entry per condition);
 * elsewhere (the https-extension has no get_rp) it is compared with a record of the last set
 * registered, kept next to the ini as `<ini>.registered` (JSON: oxd id + registration hash).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { OxdError } from '../oxd/index.js';
import type { OxdCallOptions, OxdProtocol, RegisterSiteOptions, RpInfo, UmaResource, UmaRsProtectOptions } from '../oxd/index.js';
import { canonicalJson } from '../policy/index.js';
import type { Policy } from '../policy/index.js';
import type { OxdGuard } from './oxd-guard.js';

export type RegistrationResult = 'registered' | 'unchanged';

/** The slice of OxdClient registration needs. */
export interface RegistrarClient {
  readonly protocol: OxdProtocol;
  readonly oxdId: string | null;
  setupClient(call?: OxdCallOptions): Promise<unknown>;
  registerSite(options?: RegisterSiteOptions): Promise<unknown>;
  getRp(call?: OxdCallOptions): Promise<RpInfo>;
  umaRsProtect(resources: readonly UmaResource[], options: UmaRsProtectOptions): Promise<unknown>;
}

export interface RegistrarOptions {
  readonly client: RegistrarClient;
  readonly guard: OxdGuard;
  /** Path of the record of the last registered set, e.g. `umagate.cfg.registered`. */
  readonly recordFile: string;
  readonly onRecordError: (err: unknown) => void;
}

interface RegistrationRecord {
  readonly registrationHash: string;
}

export function recordFileFor(iniPath: string): string {
  return `${iniPath}.registered`;
}

export class Registrar {
  readonly #options: RegistrarOptions;

  constructor(options: RegistrarOptions) {
    this.#options = options;
  }

  /** Registers the site if it has no oxd id, then the policy's resources if oxd holds another set. */
  async ensure(policy: Policy): Promise<RegistrationResult> {
    if (this.#options.client.oxdId === null) await this.#registerSite(false);
    if (await this.#holds(policy)) return 'unchanged';
    await this.#protect(policy);
    return 'registered';
  }

  /**
   * After oxd reported drift (it no longer knows a registered pattern, or the whole site, as
   * after a restart with empty storage): registers again unconditionally. oxd's own answer to
   * uma_rs_protect tells whether the site is gone too — asking get_rp first would not work on the
   * https-extension, which has none.
   */
  async repair(policy: Policy): Promise<void> {
    try {
      await this.#protect(policy);
    } catch (err) {
      if (!(err instanceof OxdError) || err.code !== 'invalid_oxd_id') throw err;
      await this.#registerSite(true);
      await this.#protect(policy);
    }
  }

  /**
   * The https-extension protects register_site with a protection token, which needs client
   * credentials that only setup_client hands out; the other protocols register directly.
   */
  async #registerSite(force: boolean): Promise<void> {
    const { client } = this.#options;
    if (client.protocol === 'https-extension') await this.#call('setup_client', (signal) => client.setupClient({ signal }));
    else await this.#call('register_site', (signal) => client.registerSite({ force, signal }));
  }

  async #protect(policy: Policy): Promise<void> {
    const { registration } = policy;
    if (registration.length > 0) {
      await this.#call('uma_rs_protect', (signal) => this.#options.client.umaRsProtect(registration, { overwrite: true, signal }));
    }
    await this.#writeRecord({ registrationHash: policy.registrationHash });
  }

  async #holds(policy: Policy): Promise<boolean> {
    // The client answers get_rp itself on the https-extension; through the guard, that made-up
    // answer would count as oxd being reachable.
    if (this.#options.client.protocol === 'https-extension') return this.#recorded(policy);
    let node: RpInfo['node'];
    try {
      node = (await this.#call('get_rp', (signal) => this.#options.client.getRp({ signal }))).node;
    } catch (err) {
      // oxd before 3.1.4 has no get_rp: fall back to the record, as on the https-extension.
      if (!(err instanceof OxdError) || (err.code !== 'unsupported_operation' && err.code !== 'invalid_request')) throw err;
      return this.#recorded(policy);
    }
    const stored = node.uma_protected_resources;
    if (!Array.isArray(stored)) return this.#recorded(policy);
    return sameMultiset(stored.map(storedEntryKey), expectedEntryKeys(policy.registration));
  }

  async #recorded(policy: Policy): Promise<boolean> {
    return (await this.#readRecord())?.registrationHash === policy.registrationHash;
  }

  #call<T>(command: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.#options.guard.call({ command, retryUnreachable: true }, work);
  }

  async #readRecord(): Promise<RegistrationRecord | null> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.#options.recordFile, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'registrationHash' in parsed && typeof parsed.registrationHash === 'string') {
        return { registrationHash: parsed.registrationHash };
      }
      return null;
    } catch {
      return null;
    }
  }

  async #writeRecord(record: RegistrationRecord): Promise<void> {
    const temp = `${this.#options.recordFile}.${process.pid}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
      await rename(temp, this.#options.recordFile);
    } catch (err) {
      // Not fatal: the next boot just registers again (losing idempotence, never safety).
      this.#options.onRecordError(err);
    }
  }
}

/** One key per condition, the way oxd stores them: {path, http_methods, scopes, scope_expressions, ticketScopes}. */
function expectedEntryKeys(registration: readonly UmaResource[]): string[] {
  return registration.flatMap((resource) =>
    resource.conditions.map((c) =>
      entryKey(resource.path, c.httpMethods, c.scopes ?? [], c.ticketScopes ?? [], c.scope_expression === undefined ? [] : [c.scope_expression]),
    ),
  );
}

function storedEntryKey(entry: unknown): string {
  if (typeof entry !== 'object' || entry === null) return 'invalid';
  const field = (name: string): unknown => (name in entry ? (entry as Record<string, unknown>)[name] : undefined);
  const path = field('path');
  const expressions = asArray(field('scope_expressions')).map((e) => (typeof e === 'string' ? parseJson(e) : e));
  let scopes = asStrings(field('scopes'));
  // Some oxd versions store an expression's data as the scopes; the registration had none.
  const data = expressions.length === 1 ? asStrings(expressionData(expressions[0])) : [];
  if (data.length > 0 && sorted(scopes).join('\n') === sorted(data).join('\n')) scopes = [];
  return entryKey(typeof path === 'string' ? path : '', asStrings(field('http_methods')), scopes, asStrings(field('ticketScopes')), expressions);
}

function entryKey(path: string, methods: readonly string[], scopes: readonly string[], ticketScopes: readonly string[], expressions: readonly unknown[]): string {
  // oxd fills absent ticket scopes in from the scopes (or the expression's data): compare what
  // a ticket will actually ask for, so an unchanged policy is recognised as unchanged.
  const data = expressions.length === 1 ? asStrings(expressionData(expressions[0])) : [];
  const effectiveTicketScopes = ticketScopes.length > 0 ? ticketScopes : scopes.length > 0 ? scopes : data;
  return canonicalJson([path, sorted(methods.map((m) => m.toUpperCase())), sorted(scopes), sorted(effectiveTicketScopes), expressions.map(canonicalJson).sort()]);
}

function expressionData(expression: unknown): unknown {
  return typeof expression === 'object' && expression !== null && 'data' in expression ? expression.data : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function asStrings(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

function sameMultiset(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const left = sorted(a);
  const right = sorted(b);
  return left.every((value, i) => value === right[i]);
}
