/**
 * Direct mode's backend: the proxy speaks the UMA 2.0 protection API to the AS itself. Discovery
 * happens at the first registration (the AS may be down at boot; the boot loop retries), then:
 * reconcile on register/repair, and per decision the RPT's facts (introspection or a local JWT
 * check) against the matched condition's resource id, else a fresh permission ticket. Every AS
 * call goes through the guard, so the breaker, deadline and metrics are the oxd mode's.
 */
import type { Policy } from '../../policy/index.js';
import { UmaClient, UmaError, isUmaTransportError } from '../../uma/index.js';
import type { UmaClientOptions, UmaEndpoint } from '../../uma/index.js';
import type { AuthzAnswer, AuthzBackend, AuthzQuery, RegistrationResult } from '../authz-backend.js';
import type { OxdCaller } from '../oxd-capacity.js';
import { AuthorizationUnavailableError } from '../errors.js';
import { transportFailures, type FailureModel, type OxdGuard } from '../oxd-guard.js';
import type { Uma2Options } from '../uma2-options.js';
import { bindingKey, desiredResources } from './desired.js';
import { reconcile, type GuardedAsCall } from './reconcile.js';
import { IntrospectionCache, grantLifetimeMs, type ResourceBinding, type RptVerifier } from './rpt-facts.js';
import { JwtRptVerifier } from './rpt-verify.js';
import { UmaStateFile } from './state-file.js';

/** The AS's transport failures (unreachable, timeout, garbage); every other UmaError is an answer. */
export const AS_FAILURES: FailureModel = transportFailures('as', isUmaTransportError);

/** A ticket goes into a quoted-string of WWW-Authenticate: anything else is not a ticket. */
const TICKET_SYNTAX = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export interface Uma2BackendOptions {
  readonly settings: Uma2Options;
  readonly guard: OxdGuard;
  /** --cache-ttl: introspection results are relied on at most this long. */
  readonly cacheTtlMs: number;
  readonly cacheMax: number;
  /** Wall clock in ms since the epoch. */
  readonly now: () => number;
  readonly onStateError: (err: unknown) => void;
  /** Told of weakened security settings (no TLS verification, plain HTTP off loopback). */
  readonly onWarning: (message: string) => void;
}

export function createUma2Backend(options: Uma2BackendOptions): AuthzBackend {
  return new Uma2Backend(options);
}

class Uma2Backend implements AuthzBackend {
  readonly service = 'as';
  readonly #options: Uma2BackendOptions;
  readonly #call: GuardedAsCall;
  #client: UmaClient | null = null;
  #discovering: Promise<UmaClient> | null = null;
  #verifier: RptVerifier | null = null;
  /** bindingKey(pattern, method) → the condition's AS resource, from the last reconcile. */
  #bindings = new Map<string, ResourceBinding>();

  constructor(options: Uma2BackendOptions) {
    this.#options = options;
    this.#call = (endpoint, idempotent, work, caller) => options.guard.call({ command: endpoint, retryUnreachable: idempotent, ...(caller === undefined ? {} : { caller }) }, work);
  }

  async check(query: AuthzQuery): Promise<AuthzAnswer> {
    const binding = this.#bindings.get(bindingKey(query.pattern, query.method));
    const client = this.#client;
    // Not registered under this policy's conditions (a reload raced the request): re-register.
    if (binding === undefined || client === null || this.#verifier === null) return { kind: 'drift', cause: null };
    if (query.rpt !== null && query.tokenHash !== null) {
      const facts = await this.#verifier.verify(query.rpt, query.tokenHash, query.caller);
      const lifetimeMs = grantLifetimeMs(facts, binding, this.#options.now());
      if (lifetimeMs !== null) return { kind: 'granted', lifetimeMs };
    }
    return this.#challenge(client, binding, query.caller);
  }

  /** A fresh ticket for the condition's ticket scopes: 401 with oxd's header, byte for byte. */
  async #challenge(client: UmaClient, binding: ResourceBinding, caller: OxdCaller): Promise<AuthzAnswer> {
    let ticket: string;
    try {
      ticket = await this.#call('permission', true, () => client.createPermissionTicket([{ resource_id: binding.id, resource_scopes: binding.ticketScopes }]), caller);
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

  async register(policy: Policy): Promise<RegistrationResult> {
    const client = await this.#discover();
    await this.#verifier?.prime();
    const { settings } = this.#options;
    const desired = desiredResources(policy, client.dialect, settings.resourceNamePrefix);
    const result = await reconcile(
      {
        client,
        call: this.#call,
        state: new UmaStateFile(settings.stateFile, client.issuer, settings.clientId),
        namePrefix: settings.resourceNamePrefix,
        onStateError: this.#options.onStateError,
      },
      desired,
    );
    const bindings = new Map<string, ResourceBinding>();
    for (const d of desired) {
      const id = result.ids.get(d.key);
      if (id === undefined) continue;
      for (const method of d.methods) bindings.set(bindingKey(d.pattern, method), { id, required: d.required, ticketScopes: d.ticketScopes });
    }
    this.#bindings = bindings;
    return result.created + result.updated + result.deleted > 0 ? 'registered' : 'unchanged';
  }

  async repair(policy: Policy): Promise<void> {
    await this.register(policy);
  }

  probe(): { readonly command: UmaEndpoint; readonly run: () => Promise<unknown> } | null {
    const client = this.#client;
    return client === null ? null : { command: 'discovery', run: () => client.probe() };
  }

  clear(): void {
    this.#verifier?.clear();
  }

  describe(): Readonly<Record<string, unknown>> {
    const { settings } = this.#options;
    return {
      as: {
        issuer: this.#client?.issuer ?? settings.issuer,
        discovery: settings.discoveryUrl.href,
        dialect: this.#client?.dialect ?? settings.dialect,
        clientId: settings.clientId,
        rptVerify: settings.rptVerify,
      },
    };
  }

  async close(): Promise<void> {
    await (this.#discovering ?? Promise.resolve(null)).catch(() => null);
    await this.#client?.close();
  }

  /** The client, discovering the AS once; a failed discovery is tried again at the next call. */
  #discover(): Promise<UmaClient> {
    if (this.#client !== null) return Promise.resolve(this.#client);
    this.#discovering ??= this.#call('discovery', true, () => UmaClient.discover(this.#clientOptions()))
      .then((client) => {
        this.#client = client;
        this.#verifier = this.#verifierFor(client);
        return client;
      })
      .finally(() => {
        this.#discovering = null;
      });
    return this.#discovering;
  }

  #verifierFor(client: UmaClient): RptVerifier {
    const { cacheTtlMs, cacheMax, now, settings } = this.#options;
    if (settings.rptVerify === 'jwt') {
      return new JwtRptVerifier({ fetchJwks: () => this.#call('jwks', true, () => client.getJwks()), issuer: client.issuer, audience: settings.clientId, now });
    }
    return new IntrospectionCache({
      introspect: (rpt, caller) => this.#call('introspection', true, () => client.introspectRpt(rpt), caller),
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
