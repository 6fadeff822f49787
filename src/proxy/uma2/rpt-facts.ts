/**
 * What an RPT grants, as the AS says (introspection) or as its signature proves (rpt-verify.ts),
 * and the grant rule applied to it. Pure apart from the cache: the AS call is injected.
 */
import { LRUCache } from 'lru-cache';
import type { IntrospectedPermission, RptIntrospection } from '../../uma/index.js';
import { SingleFlight } from '../decision-cache.js';
import type { OxdCaller } from '../oxd-capacity.js';

export interface RptFacts {
  readonly active: boolean;
  readonly permissions: readonly IntrospectedPermission[];
  /**
   * Wall-clock ms until which these facts hold: the token's `exp` (infinity for an introspection
   * answer without one). How long they are kept for later requests is the verifier's cache
   * bound, not this.
   */
  readonly validUntilMs: number;
}

/** How direct mode learns an RPT's facts: introspection (default) or local JWT verification. */
export interface RptVerifier {
  /** `caller`: the request an AS call would be made for (its lane, see oxd-capacity.ts). */
  verify(rpt: string, tokenHash: string, caller: OxdCaller): Promise<RptFacts>;
  /** Gets ready before the first request (JWT: the keys); a no-op where nothing is needed. */
  prime(): Promise<void>;
  /** Forgets every cached fact (policy reload). */
  clear(): void;
}

/** The condition a request matched, as registered at the AS. */
export interface ResourceBinding {
  readonly id: string;
  /** A permission must share one of these (`scopes`, else the expression's data). */
  readonly required: readonly string[];
  /** What a ticket asks for. */
  readonly ticketScopes: readonly string[];
}

/** Cached grants end this long before the RPT's (or the permission's) expiry: clock skew with the AS. */
const EXPIRY_SKEW_MS = 1_000;

/**
 * oxd's rule: granted iff the RPT is active and one of its permissions names the resource, is
 * unexpired, and shares at least one scope with the required list. A scope-less permission
 * grants nothing (Keycloak's own enforcer reads it as "every scope"; umagate always registers
 * scopes, so it keeps oxd's reading). Returns how long the grant may be cached, or null: denied.
 */
export function grantLifetimeMs(facts: RptFacts, binding: ResourceBinding, nowMs: number): number | null {
  if (!facts.active) return null;
  let best: number | null = null;
  for (const permission of facts.permissions) {
    if (permission.resource_id !== binding.id) continue;
    const untilMs = Math.min(facts.validUntilMs, permission.exp === undefined ? Number.POSITIVE_INFINITY : permission.exp * 1000);
    if (untilMs <= nowMs) continue;
    if (!permission.resource_scopes.some((scope) => binding.required.includes(scope))) continue;
    best = Math.max(best ?? Number.NEGATIVE_INFINITY, untilMs);
  }
  return best === null ? null : best - EXPIRY_SKEW_MS - nowMs;
}

export interface IntrospectionCacheOptions {
  readonly introspect: (rpt: string, caller: OxdCaller) => Promise<RptIntrospection>;
  /** --cache-ttl: an introspection result is relied on at most this long (revocation delay). */
  readonly ttlMs: number;
  readonly max: number;
  /** Wall clock in ms since the epoch (RPT `exp` is wall-clock time). */
  readonly now: () => number;
}

/**
 * Introspection results per RPT hash, for at most --cache-ttl and never past the RPT's `exp`;
 * concurrent introspections of one RPT share one AS call. Inactive answers are not kept: the
 * next request asks again (a token can only become active by being a new token anyway).
 */
export class IntrospectionCache implements RptVerifier {
  readonly #options: IntrospectionCacheOptions;
  readonly #facts: LRUCache<string, RptFacts>;
  readonly #flights = new SingleFlight<RptFacts>();
  #epoch = 0;

  constructor(options: IntrospectionCacheOptions) {
    this.#options = options;
    this.#facts = new LRUCache<string, RptFacts>({ max: options.max, ttlResolution: 0, perf: { now: options.now } });
  }

  verify(rpt: string, tokenHash: string, caller: OxdCaller): Promise<RptFacts> {
    const cached = this.#facts.get(tokenHash);
    if (cached !== undefined) return Promise.resolve(cached);
    return this.#flights.run(tokenHash, () => this.#introspect(rpt, tokenHash, caller)).promise;
  }

  prime(): Promise<void> {
    return Promise.resolve();
  }

  clear(): void {
    this.#epoch += 1;
    this.#facts.clear();
  }

  async #introspect(rpt: string, tokenHash: string, caller: OxdCaller): Promise<RptFacts> {
    const epoch = this.#epoch;
    const answer = await this.#options.introspect(rpt, caller);
    const now = this.#options.now();
    if (!answer.active) return { active: false, permissions: [], validUntilMs: now };
    // The answer decides this request for as long as the RPT lives; --cache-ttl only bounds how
    // long it is relied on for later ones (with --cache-ttl 0 it is used once, never kept).
    const validUntilMs = answer.exp === undefined ? Number.POSITIVE_INFINITY : answer.exp * 1000;
    const facts: RptFacts = { active: true, permissions: answer.permissions, validUntilMs };
    const ttl = Math.floor(Math.min(now + this.#options.ttlMs, validUntilMs) - now);
    if (ttl > 0 && epoch === this.#epoch) this.#facts.set(tokenHash, facts, { ttl });
    return facts;
  }
}
