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

/**
 * sha256 of the RPT, its 32 raw bytes as a latin1 ('binary') string: the raw token is never
 * stored, logged or used as a key. Latin1 keeps one character per byte (V8 stores it one byte per
 * character): 32 characters in every key of the caches instead of base64url's 43. The hash is
 * never logged or printed either: it is a key, not a display form.
 */
export function hashToken(token: string): string {
  // One-shot crypto.hash: no Hash object per request (about 1 µs less than createHash here).
  return hash('sha256', token, 'binary');
}

export interface DecisionCacheOptions {
  readonly max: number;
  /** Milliseconds on a monotonic-enough clock; injected by tests. */
  readonly now: () => number;
}

/** Distinct (method, generation, pattern) tails kept for sharing; past it, the set starts over. */
const MAX_SHARED_TAILS = 1_024;

export class DecisionCache {
  readonly #lru: LRUCache<string, true>;
  /**
   * One string per (method, generation, pattern), shared by every key that ends with it. A key is
   * then the RPT hash joined to its tail: V8 keeps such a join of two strings as a two-pointer
   * string (32 bytes) over the shared hash and the shared tail, where a key built anew from its
   * four parts held a chain of five such joins per grant (about 160 bytes more). The hash itself
   * is the same string the RPT-lifetime cache is keyed by.
   */
  readonly #tails = new Map<string, string>();

  constructor(options: DecisionCacheOptions) {
    // ttlResolution 0: the clock is read on every lookup, so an entry never outlives its RPT.
    this.#lru = new LRUCache<string, true>({ max: options.max, ttlAutopurge: false, ttlResolution: 0, perf: { now: options.now } });
  }

  /**
   * The key of a decision: RPT hash, method, generation and pattern. Unambiguous without escaping:
   * the hash has a fixed length (32), the method is an HTTP token (no space) and the generation
   * digits, so after the hash only the pattern — last — may hold a space.
   */
  key(parts: DecisionKeyParts): string {
    const built = ` ${parts.method} ${parts.generation} ${parts.pattern}`;
    let tail = this.#tails.get(built);
    if (tail === undefined) {
      // Bounded whatever methods clients send: a full set is dropped, not grown.
      if (this.#tails.size >= MAX_SHARED_TAILS) this.#tails.clear();
      this.#tails.set(built, built);
      tail = built;
    }
    return parts.tokenHash + tail;
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
    this.#tails.clear();
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
