/**
 * Cache of grants (ARCHITECTURE.md, invariant 3). Only grants are kept: a denial carries a
 * one-time ticket.
 * The key covers every input of a decision — token hash, method, matched pattern and policy
 * generation — so a grant for one rule can never answer for another (CVE-2021-32701).
 */
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface DecisionKeyParts {
  readonly tokenHash: string;
  readonly method: string;
  readonly pattern: string;
  readonly generation: number;
}

/** sha256 of the RPT, hex: the raw token is never stored, logged or used as a key. */
export function hashToken(token: string): string {
  // One-shot crypto.hash: no Hash object per request (about 1 µs less than createHash here).
  return hash('sha256', token, 'hex');
}

export function decisionKey(parts: DecisionKeyParts): string {
  // JSON keeps the parts unambiguous whatever characters a pattern holds.
  return JSON.stringify([parts.tokenHash, parts.method, parts.pattern, parts.generation]);
}

export interface DecisionCacheOptions {
  readonly max: number;
  /** Milliseconds on a monotonic-enough clock; injected by tests. */
  readonly now: () => number;
}

export class DecisionCache {
  readonly #lru: LRUCache<string, true>;

  constructor(options: DecisionCacheOptions) {
    // ttlResolution 0: the clock is read on every lookup, so an entry never outlives its RPT.
    this.#lru = new LRUCache<string, true>({ max: options.max, ttlAutopurge: false, ttlResolution: 0, perf: { now: options.now } });
  }

  hasGrant(key: string): boolean {
    return this.#lru.get(key) === true;
  }

  /**
   * Stores a grant for `ttlMs`, rounded down; under one millisecond stores nothing (--cache-ttl 0,
   * or the RPT is about to expire). lru-cache reads a TTL of 0 as "never expires", so a TTL that
   * rounds to 0 must never reach it.
   */
  storeGrant(key: string, ttlMs: number): void {
    const ttl = Math.floor(ttlMs);
    if (ttl >= 1) this.#lru.set(key, true, { ttl });
  }

  clear(): void {
    this.#lru.clear();
  }

  get size(): number {
    return this.#lru.size;
  }
}

/**
 * Concurrent callers with the same key share one promise: 100 identical misses make one oxd call.
 * The entry is removed when the promise settles, so a failure is never replayed later.
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): { readonly promise: Promise<T>; readonly shared: boolean } {
    const existing = this.#inFlight.get(key);
    if (existing !== undefined) return { promise: existing, shared: true };
    const promise = work().finally(() => {
      this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, promise);
    return { promise, shared: false };
  }

  get size(): number {
    return this.#inFlight.size;
  }
}
