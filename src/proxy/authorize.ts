/**
 * One protected match → granted, ticket, forbidden or unavailable. Owns the decision cache, the
 * coalescing of identical misses, the RPT-lifetime bound on cached grants, and the single
 * re-registration when oxd reports registration drift.
 */
import { errorMessage } from '../errors.js';
import { OxdError } from '../oxd/index.js';
import type { CheckAccessResult } from '../oxd/index.js';
import { SingleFlight, decisionKey, hashToken, type DecisionCache } from './decision-cache.js';
import { AuthorizationUnavailableError, OxdCapacityError } from './errors.js';
import type { ProxyMetrics } from './metrics.js';
import type { OxdCaller } from './oxd-capacity.js';
import type { RptLifetime } from './rpt-lifetime.js';

export type AccessOutcome =
  | { readonly kind: 'granted'; readonly cacheHit: boolean }
  | { readonly kind: 'ticket'; readonly ticket: string; readonly wwwAuthenticate: string }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'unavailable'; readonly error: AuthorizationUnavailableError }
  | { readonly kind: 'shed'; readonly error: OxdCapacityError };

export interface AccessQuery {
  /** The RPT, or null when the request carried none (oxd is still asked, for a ticket). */
  readonly rpt: string | null;
  readonly method: string;
  /** The matched pattern string: what is registered, so what oxd is asked about. */
  readonly pattern: string;
  readonly generation: number;
  /** The client the oxd call is counted against (see oxd-capacity.ts). */
  readonly client: string;
}

export interface AuthorizerDeps {
  /** uma_rs_check_access through the guard (deadline, retry, breaker). */
  readonly checkAccess: (rpt: string | null, path: string, method: string, caller: OxdCaller) => Promise<CheckAccessResult>;
  /** Re-registers the policy after drift; concurrent callers share one attempt. */
  readonly repairRegistration: () => Promise<void>;
  readonly lifetime: RptLifetime;
  readonly cache: DecisionCache;
  readonly cacheTtlMs: number;
  readonly metrics: ProxyMetrics;
}

const CACHED_GRANT: AccessOutcome = Object.freeze({ kind: 'granted', cacheHit: true });
const HIT = Object.freeze({ result: 'hit' });
const MISS = Object.freeze({ result: 'miss' });

/** oxd answers these when the pattern (or the whole site) it is asked about is unknown to it. */
const DRIFT_CODES: ReadonlySet<string> = new Set(['invalid_request', 'invalid_oxd_id']);

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
    this.#deps.lifetime.clear();
  }

  /**
   * A cached grant is answered synchronously (no promise, no microtask: the hot path); anything
   * that needs oxd, asynchronously.
   */
  check(query: AccessQuery): AccessOutcome | Promise<AccessOutcome> {
    const { rpt } = query;
    // No token: every client needs its own one-time ticket, so these calls are never shared.
    if (rpt === null) return this.#ask(query, null, null);
    const tokenHash = hashToken(rpt);
    const key = decisionKey({ tokenHash, method: query.method, pattern: query.pattern, generation: query.generation });
    const { metrics } = this.#deps;
    if (this.#deps.cache.hasGrant(key)) {
      metrics.cacheLookups.inc(HIT);
      return CACHED_GRANT;
    }
    metrics.cacheLookups.inc(MISS);
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
    let result: CheckAccessResult;
    try {
      result = await this.#checkRepairingDrift(query);
    } catch (err) {
      if (err instanceof OxdCapacityError) return { kind: 'shed', error: err };
      return { kind: 'unavailable', error: asUnavailable(err) };
    }
    if (result.access === 'denied') {
      return result.ticket === null
        ? { kind: 'forbidden' }
        : { kind: 'ticket', ticket: result.ticket, wwwAuthenticate: result.wwwAuthenticate };
    }
    if (query.rpt !== null && tokenHash !== null && key !== null) {
      await this.#remember(query.rpt, tokenHash, key, epoch, callerOf(query));
    }
    return { kind: 'granted', cacheHit: false };
  }

  async #remember(rpt: string, tokenHash: string, key: string, epoch: number, caller: OxdCaller): Promise<void> {
    let remaining: number | null;
    try {
      remaining = await this.#deps.lifetime.remainingMs(rpt, tokenHash, caller);
    } catch {
      // Lifetime unknown (introspection failed): serve this grant, cache nothing.
      remaining = null;
    }
    if (remaining === null || epoch !== this.#epoch) return;
    this.#deps.cache.storeGrant(key, Math.min(this.#deps.cacheTtlMs, remaining));
  }

  async #checkRepairingDrift(query: AccessQuery): Promise<CheckAccessResult> {
    const ask = (): Promise<CheckAccessResult> => this.#deps.checkAccess(query.rpt, query.pattern, query.method, callerOf(query));
    try {
      return await ask();
    } catch (err) {
      if (!(err instanceof OxdError) || !DRIFT_CODES.has(err.code)) throw err;
    }
    try {
      await this.#deps.repairRegistration();
    } catch (err) {
      throw new AuthorizationUnavailableError('registration_drift', 'oxd lost the registration and re-registering failed', { cause: err });
    }
    this.clear();
    try {
      return await ask();
    } catch (err) {
      if (err instanceof OxdError && DRIFT_CODES.has(err.code)) {
        throw new AuthorizationUnavailableError('registration_drift', `oxd still does not know ${query.method} ${query.pattern} after re-registering`, { cause: err });
      }
      throw err;
    }
  }
}

function callerOf(query: AccessQuery): OxdCaller {
  return { carriesToken: query.rpt !== null, client: query.client };
}

function asUnavailable(err: unknown): AuthorizationUnavailableError {
  if (err instanceof AuthorizationUnavailableError) return err;
  // Any other oxd answer we cannot act on (e.g. internal_error) fails closed as well.
  return new AuthorizationUnavailableError('oxd_error', `oxd could not decide: ${errorMessage(err)}`, { cause: err });
}
