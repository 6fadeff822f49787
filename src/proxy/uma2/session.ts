/**
 * What any process of direct mode needs to talk to the AS: discovery (once, single-flight, tried
 * again at the next call when it failed), the UmaClient with its own PAT, the RPT verifier, and
 * the decision itself — the RPT's facts against the matched condition's resource id, else a
 * fresh permission ticket. Which ids the conditions have is the caller's: the registering
 * process learns them from its reconcile, a cluster worker from the primary. Every AS call goes
 * through the guard, so the breaker, deadline, lanes and metrics are the oxd mode's.
 */
import { UmaClient, UmaError, isUmaTransportError } from '../../uma/index.js';
import type { UmaClientOptions } from '../../uma/index.js';
import type { AuthzAnswer, AuthzQuery } from '../authz-backend.js';
import type { OxdCaller } from '../oxd-capacity.js';
import { AuthorizationUnavailableError } from '../errors.js';
import type { OxdGuard, ProbeCall } from '../oxd-guard.js';
import type { Uma2Options } from '../uma2-options.js';
import { bindingKey } from './desired.js';
import type { GuardedAsCall } from './reconcile.js';
import { IntrospectionCache, grantLifetimeMs, type ResourceBinding, type RptVerifier } from './rpt-facts.js';

/** A ticket goes into a quoted-string of WWW-Authenticate: anything else is not a ticket. */
const TICKET_SYNTAX = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export interface AsSessionOptions {
  readonly settings: Uma2Options;
  readonly guard: OxdGuard;
  /** --cache-ttl: introspection results are relied on at most this long. */
  readonly cacheTtlMs: number;
  readonly cacheMax: number;
  /** Wall clock in ms since the epoch. */
  readonly now: () => number;
  /** Told of weakened security settings (no TLS verification, plain HTTP off loopback). */
  readonly onWarning: (message: string) => void;
}

/** bindingKey(pattern, method) → the condition's AS resource. */
export type Bindings = ReadonlyMap<string, ResourceBinding>;

export class AsSession {
  readonly #options: AsSessionOptions;
  readonly call: GuardedAsCall;
  #client: UmaClient | null = null;
  #discovering: Promise<UmaClient> | null = null;
  #verifier: RptVerifier | null = null;

  constructor(options: AsSessionOptions) {
    this.#options = options;
    this.call = (endpoint, idempotent, work, caller) => options.guard.call({ command: endpoint, retryUnreachable: idempotent, ...(caller === undefined ? {} : { caller }) }, work);
  }

  /** The client once discovery succeeded, else null. */
  get client(): UmaClient | null {
    return this.#client;
  }

  /**
   * One decision about `query` under `bindings`. A (pattern, method) the bindings do not name
   * was not registered under this policy (a reload raced the request, or the ids are stale):
   * drift, which the caller repairs.
   */
  async check(query: AuthzQuery, bindings: Bindings): Promise<AuthzAnswer> {
    const binding = bindings.get(bindingKey(query.pattern, query.method));
    if (binding === undefined) return { kind: 'drift', cause: null };
    // Discovered once and for all after the first call: no promise on every decision's path.
    const client = this.#client ?? (await this.discover(query.caller));
    const verifier = this.#verifier;
    if (verifier === null) throw new Error('no RPT verifier after discovery');
    if (query.rpt !== null && query.tokenHash !== null) {
      const facts = await verifier.verify(query.rpt, query.tokenHash, query.caller);
      const lifetimeMs = grantLifetimeMs(facts, binding, this.#options.now());
      if (lifetimeMs !== null) return { kind: 'granted', lifetimeMs };
    }
    return this.#challenge(client, binding, query.caller);
  }

  /** A fresh ticket for the condition's ticket scopes: 401 with oxd's header, byte for byte. */
  async #challenge(client: UmaClient, binding: ResourceBinding, caller: OxdCaller): Promise<AuthzAnswer> {
    let ticket: string;
    try {
      ticket = await this.call('permission', true, () => client.createPermissionTicket([{ resource_id: binding.id, resource_scopes: binding.ticketScopes }]), caller);
    } catch (err) {
      if (err instanceof UmaError && err.code === 'invalid_resource_id') return { kind: 'drift', cause: err };
      // The AS refused the permission request (an answer, not an outage): no ticket to give.
      if (err instanceof UmaError && !isUmaTransportError(err)) return { kind: 'forbidden' };
      throw err;
    }
    if (!TICKET_SYNTAX.test(ticket)) {
      throw new AuthorizationUnavailableError('as_bad_response', 'the AS issued a permission ticket that cannot be quoted in WWW-Authenticate');
    }
    const { realm } = this.#options.settings;
    return { kind: 'ticket', ticket, wwwAuthenticate: `UMA realm="${realm}",as_uri="${client.issuer}",error="insufficient_scope",ticket="${ticket}"` };
  }

  /** Discovers the AS and gets the verifier ready (JWT: the keys) before the first request needs them. */
  async prime(): Promise<UmaClient> {
    const client = await this.discover();
    await this.#verifier?.prime();
    return client;
  }

  /** The breaker's background call: a GET of the discovery document, once discovered (none before). */
  probe(): ProbeCall | null {
    const client = this.#client;
    return client === null ? null : { command: 'discovery', run: () => client.probe() };
  }

  /** The client, discovering the AS once; a failed discovery is tried again at the next call. */
  discover(caller?: OxdCaller): Promise<UmaClient> {
    if (this.#client !== null) return Promise.resolve(this.#client);
    this.#discovering ??= this.call('discovery', true, () => UmaClient.discover(this.#clientOptions()), caller)
      .then(async (client) => {
        this.#verifier = await this.#verifierFor(client);
        this.#client = client;
        return client;
      })
      .finally(() => {
        this.#discovering = null;
      });
    return this.#discovering;
  }

  /** Forgets per-token facts (a reload or re-registration empties every cache). */
  clear(): void {
    this.#verifier?.clear();
  }

  async close(): Promise<void> {
    await (this.#discovering ?? Promise.resolve(null)).catch(() => null);
    await this.#client?.close();
  }

  async #verifierFor(client: UmaClient): Promise<RptVerifier> {
    const { cacheTtlMs, cacheMax, now, settings } = this.#options;
    if (settings.rptVerify === 'jwt') {
      // jose is loaded only where it is used: about 9 MiB of RSS a process without it saves.
      const { JwtRptVerifier } = await import('./rpt-verify.js');
      return new JwtRptVerifier({ fetchJwks: () => this.call('jwks', true, () => client.getJwks()), issuer: client.issuer, audience: settings.clientId, now });
    }
    return new IntrospectionCache({
      introspect: (rpt, caller) => this.call('introspection', true, () => client.introspectRpt(rpt), caller),
      ttlMs: cacheTtlMs,
      max: cacheMax,
      now,
    });
  }

  #clientOptions(): UmaClientOptions {
    const { settings, now, onWarning } = this.#options;
    return {
      ...(settings.issuer === null ? { discoveryUrl: settings.discoveryUrl.href } : { issuer: settings.issuer }),
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      dialect: settings.dialect,
      rptVerification: settings.rptVerify,
      timeoutMs: settings.timeoutMs,
      ...(settings.caFile === null ? {} : { caFile: settings.caFile }),
      insecureSkipTlsVerify: settings.insecureSkipTlsVerify,
      allowHttp: settings.allowHttpAs,
      onWarning,
      now,
    };
  }
}
