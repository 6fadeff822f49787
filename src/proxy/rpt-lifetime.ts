/**
 * How long an RPT stays valid, which bounds how long a grant for it may be cached. A JWT-shaped
 * RPT's `exp` is read without verifying the signature — it is only ever used to *shorten* a
 * cache entry, never to grant anything. Opaque RPTs are asked about with `introspect_rpt`, whose
 * answer is itself cached per token hash until that expiry.
 */
import { LRUCache } from 'lru-cache';
import type { RptIntrospectionResult } from '../oxd/types.js';
import { SingleFlight } from './decision-cache.js';
import type { OxdCaller } from './oxd-capacity.js';

/** Cached grants end this long before the RPT's expiry, to absorb clock skew with the AS. */
const RPT_EXPIRY_SKEW_MS = 1_000;

/** `exp` (seconds since the epoch) from a JWT-shaped token, or null when it is not one. */
function jwtExpiry(token: string): number | null {
  const parts = token.split('.');
  const payload = parts[1];
  if (parts.length !== 3 || payload === undefined || payload === '') return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null || !('exp' in claims)) return null;
    const exp = claims.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
}

export interface RptLifetimeOptions {
  readonly introspect: (rpt: string, caller: OxdCaller) => Promise<RptIntrospectionResult>;
  readonly max: number;
  /** Wall clock in ms since the epoch (RPT `exp` is wall-clock time). */
  readonly now: () => number;
}

export class RptLifetime {
  readonly #options: RptLifetimeOptions;
  /**
   * `exp` in seconds, as introspection gave it, not milliseconds: a whole number of seconds fits a
   * V8 small integer, held in the entry itself; its millisecond form would be a heap number, one
   * more object per cached RPT.
   */
  readonly #expiries: LRUCache<string, number>;
  readonly #flights = new SingleFlight<number | null>();

  constructor(options: RptLifetimeOptions) {
    this.#options = options;
    this.#expiries = new LRUCache<string, number>({ max: options.max, ttlResolution: 0, perf: { now: options.now } });
  }

  /**
   * Milliseconds a grant for this RPT may still be cached (0 or less: do not cache), or null
   * when the lifetime could not be learnt (then nothing is cached either).
   */
  async remainingMs(rpt: string, tokenHash: string, caller: OxdCaller): Promise<number | null> {
    const expMs = await this.#expiryMs(rpt, tokenHash, caller);
    return expMs === null ? null : expMs - RPT_EXPIRY_SKEW_MS - this.#options.now();
  }

  async #expiryMs(rpt: string, tokenHash: string, caller: OxdCaller): Promise<number | null> {
    const fromJwt = jwtExpiry(rpt);
    if (fromJwt !== null) return fromJwt * 1000;
    const cached = this.#expiries.get(tokenHash);
    if (cached !== undefined) return cached * 1000;
    return this.#flights.run(tokenHash, async () => {
      const result = await this.#options.introspect(rpt, caller);
      if (!result.active || typeof result.exp !== 'number') return null;
      const expMs = result.exp * 1000;
      const ttl = expMs - this.#options.now();
      if (ttl > 0) this.#expiries.set(tokenHash, result.exp, { ttl });
      return expMs;
    }).promise;
  }

  clear(): void {
    this.#expiries.clear();
  }
}
