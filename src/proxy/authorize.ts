/**
 * One protected match → granted, ticket, forbidden or unavailable, whichever backend answers
 * (oxd or the AS itself, see authz-backend.ts). Owns what both modes share: the decision cache,
 * the coalescing of identical misses, the RPT-lifetime bound on cached grants, and the single
 * re-registration when the backend reports registration drift.
 */
import { errorMessage } from '../errors.js';
import { serviceName, type AuthzAnswer, type AuthzBackend, type AuthzQuery } from './authz-backend.js';
import { SingleFlight, hashToken, type DecisionCache } from './decision-cache.js';
import { AuthorizationUnavailableError, OxdCapacityError } from './errors.js';
import type { ProxyMetrics } from './metrics.js';
import type { OxdCaller } from './oxd-capacity.js';

export type AccessOutcome =
  | { readonly kind: 'granted'; readonly cacheHit: boolean }
  | { readonly kind: 'ticket'; readonly ticket: string; readonly wwwAuthenticate: string }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'unavailable'; readonly error: AuthorizationUnavailableError }
  | { readonly kind: 'shed'; readonly error: OxdCapacityError };

export interface AccessQuery {
  /** The RPT, or null when the request carried none (the backend is still asked, for a ticket). */
  readonly rpt: string | null;
  readonly method: string;
  /** The matched pattern string: what is registered, so what the backend is asked about. */
  readonly pattern: string;
  readonly generation: number;
  /** The client the oxd call is counted against (see oxd-capacity.ts). */
  readonly client: string;
}

export interface AuthorizerDeps {
  /** The mode's decision half; its calls go through the guard (deadline, retry, breaker). */
  readonly backend: Pick<AuthzBackend, 'service' | 'check' | 'clear'>;
  /** Re-registers the policy after drift; concurrent callers share one attempt. */
  readonly repairRegistration: () => Promise<void>;
  readonly cache: DecisionCache;
  readonly cacheTtlMs: number;
  readonly metrics: ProxyMetrics;
}

type Answer = Exclude<AuthzAnswer, { readonly kind: 'drift' }>;

const CACHED_GRANT: AccessOutcome = Object.freeze({ kind: 'granted', cacheHit: true });

export class Authorizer {
  readonly #deps: AuthorizerDeps;
  readonly #flights = new SingleFlight<AccessOutcome>();
  /** Bumped by clear(): a grant obtained before the bump must not be stored after it. */
  #epoch = 0;

  constructor(deps: AuthorizerDeps) {
    this.#deps = deps;
  }

  /** Forgets every cached grant (policy reload, re-registration). */
  clear(): void {
    this.#epoch += 1;
    this.#deps.cache.clear();
    this.#deps.backend.clear();
  }

  /**
   * A cached grant is answered synchronously (no promise, no microtask: the hot path); anything
   * that needs the authorization service, asynchronously.
   */
  check(query: AccessQuery): AccessOutcome | Promise<AccessOutcome> {
    const { rpt } = query;
    // No token: every client needs its own one-time ticket, so these calls are never shared.
    if (rpt === null) return this.#ask(query, null, null);
    const tokenHash = hashToken(rpt);
    const key = this.#deps.cache.key({ tokenHash, method: query.method, pattern: query.pattern, generation: query.generation });
    const { metrics } = this.#deps;
    if (this.#deps.cache.hasGrant(key)) {
      metrics.countCacheLookup('hit');
      return CACHED_GRANT;
    }
    metrics.countCacheLookup('miss');
    return this.#miss(query, tokenHash, key);
  }

  async #miss(query: AccessQuery, tokenHash: string, key: string): Promise<AccessOutcome> {
    const { metrics } = this.#deps;
    const flight = this.#flights.run(key, () => this.#ask(query, tokenHash, key));
    if (!flight.shared) return flight.promise;
    metrics.coalescedWaits.inc();
    metrics.coalescedWaitsInFlight.inc();
    try {
      return await flight.promise;
    } finally {
      metrics.coalescedWaitsInFlight.dec();
    }
  }

  async #ask(query: AccessQuery, tokenHash: string | null, key: string | null): Promise<AccessOutcome> {
    const epoch = this.#epoch;
    let answer: Answer;
    try {
      answer = await this.#checkRepairingDrift({ rpt: query.rpt, tokenHash, method: query.method, pattern: query.pattern, caller: callerOf(query) });
    } catch (err) {
      if (err instanceof OxdCapacityError) return { kind: 'shed', error: err };
      return { kind: 'unavailable', error: this.#asUnavailable(err) };
    }
    switch (answer.kind) {
      case 'ticket':
        return { kind: 'ticket', ticket: answer.ticket, wwwAuthenticate: answer.wwwAuthenticate };
      case 'forbidden':
        return { kind: 'forbidden' };
      case 'granted':
        if (key !== null && answer.lifetimeMs !== null && epoch === this.#epoch) {
          this.#deps.cache.storeGrant(key, Math.min(this.#deps.cacheTtlMs, answer.lifetimeMs));
        }
        return { kind: 'granted', cacheHit: false };
    }
  }

  async #checkRepairingDrift(query: AuthzQuery): Promise<Answer> {
    const ask = (): Promise<AuthzAnswer> => this.#deps.backend.check(query);
    const first = await ask();
    if (first.kind !== 'drift') return first;
    try {
      await this.#deps.repairRegistration();
    } catch (err) {
      throw new AuthorizationUnavailableError('registration_drift', `${serviceName(this.#deps.backend.service)} lost the registration and re-registering failed`, { cause: err });
    }
    this.clear();
    const second = await ask();
    if (second.kind === 'drift') {
      throw new AuthorizationUnavailableError('registration_drift', `${serviceName(this.#deps.backend.service)} still does not know ${query.method} ${query.pattern} after re-registering`, { cause: second.cause });
    }
    return second;
  }

  #asUnavailable(err: unknown): AuthorizationUnavailableError {
    if (err instanceof AuthorizationUnavailableError) return err;
    // Any other answer we cannot act on (e.g. oxd's internal_error) fails closed as well.
    return new AuthorizationUnavailableError(`${this.#deps.backend.service}_error`, `${serviceName(this.#deps.backend.service)} could not decide: ${errorMessage(err)}`, { cause: err });
  }
}

function callerOf(query: AccessQuery): OxdCaller {
  return { carriesToken: query.rpt !== null, client: query.client };
}
