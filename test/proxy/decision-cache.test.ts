/**
 * The grant cache and single-flight (decision-cache.ts) on an injected clock. lru-cache reads a
 * TTL of 0 as "never expires", so the boundary between "store for a while" and "store nothing"
 * is where a grant could outlive its RPT forever.
 */
import { describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { DecisionCache, SingleFlight, hashToken } from '../../src/proxy/decision-cache.js';

const YEAR_MS = 365 * 24 * 3600 * 1000;

function cache(max = 10) {
  const clock = { now: 1_000_000 };
  return { clock, cache: new DecisionCache({ max, now: () => clock.now }) };
}

describe('DecisionCache', () => {
  // lru-cache counts an entry as stale once its age is past the TTL, so it answers through the
  // TTL's last millisecond; the RPT expiry skew (rpt-lifetime.ts) leaves room for that.
  it('keeps a grant through its TTL, and not a millisecond longer', () => {
    const t = cache();
    t.cache.storeGrant('k', 100);
    t.clock.now += 100;
    expect(t.cache.hasGrant('k')).toBe(true);
    t.clock.now += 1;
    expect(t.cache.hasGrant('k')).toBe(false);
  });

  it.each([
    ['zero (--cache-ttl 0, or an RPT whose lifetime ends now)', 0],
    ['negative (an RPT already past its expiry)', -5],
    ['under a millisecond, which would round down to 0', 0.5],
    ['just under a millisecond', 0.999],
  ])('stores nothing for a TTL that is %s: never a grant without expiry', (_name, ttl) => {
    const t = cache();
    t.cache.storeGrant('k', ttl);
    expect(t.cache.hasGrant('k')).toBe(false);
    expect(t.cache.size).toBe(0);
    t.clock.now += YEAR_MS;
    expect(t.cache.hasGrant('k')).toBe(false);
  });

  it('rounds a fractional TTL down, never beyond the RPT lifetime', () => {
    const t = cache();
    t.cache.storeGrant('k', 1.9);
    t.clock.now += 1;
    expect(t.cache.hasGrant('k')).toBe(true);
    t.clock.now += 1;
    expect(t.cache.hasGrant('k')).toBe(false);
  });

  it('holds at most max grants, dropping the least recently used', () => {
    const t = cache(2);
    t.cache.storeGrant('a', 1000);
    t.cache.storeGrant('b', 1000);
    expect(t.cache.hasGrant('a')).toBe(true);
    t.cache.storeGrant('c', 1000);
    expect([t.cache.hasGrant('a'), t.cache.hasGrant('b'), t.cache.hasGrant('c')]).toEqual([true, false, true]);
    expect(t.cache.size).toBe(2);
  });

  it('clear() forgets every grant', () => {
    const t = cache();
    t.cache.storeGrant('a', 1000);
    t.cache.clear();
    expect(t.cache.hasGrant('a')).toBe(false);
    expect(t.cache.size).toBe(0);
  });

  // Expiry is checked on lookup: a timer per grant would cost a timer per RPT at full traffic.
  it('keeps no timer per grant', () => {
    vi.useFakeTimers();
    try {
      const t = cache();
      t.cache.storeGrant('a', 1000);
      t.cache.storeGrant('b', 1000);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers no for a key it never stored', () => {
    expect(cache().cache.hasGrant('never')).toBe(false);
  });
});

describe('DecisionCache.key and hashToken', () => {
  it('hashes the RPT with sha256 (its raw 32 bytes), never keeping the token itself', () => {
    const tokenHash = hashToken('abc');
    expect(tokenHash).toHaveLength(32);
    expect(Buffer.from(tokenHash, 'latin1')).toEqual(createHash('sha256').update('abc').digest());
    expect(tokenHash).not.toContain('abc');
  });

  it('keeps the parts apart whatever characters a pattern holds', () => {
    const keys = cache().cache;
    const tokenHash = hashToken('rpt');
    // A pattern holding what looks like the other parts cannot pose as another key.
    const one = keys.key({ tokenHash, method: 'GET', pattern: '2 /a', generation: 1 });
    const other = keys.key({ tokenHash, method: 'GET', pattern: '/a', generation: 12 });
    const third = keys.key({ tokenHash, method: 'GET', pattern: '1 2 /a', generation: 1 });
    expect(new Set([one, other, third]).size).toBe(3);
    // The hash has a fixed length (its bytes may be spaces); method and generation hold no space.
    const [method, generation, ...pattern] = one.slice(33).split(' ');
    expect([one.slice(0, 32), one[32], method, generation, pattern.join(' ')]).toEqual([tokenHash, ' ', 'GET', '1', '2 /a']);
  });

  it('gives equal parts equal keys and different parts different keys, however many tails it has shared', () => {
    const part = fc.record({ rpt: fc.string(), method: fc.constantFrom('GET', 'POST', 'M-SEARCH'), pattern: fc.string(), generation: fc.nat(3) });
    fc.assert(
      fc.property(part, part, (a, b) => {
        const keys = cache().cache;
        const keyOf = (p: typeof a): string => keys.key({ tokenHash: hashToken(p.rpt), method: p.method, pattern: p.pattern, generation: p.generation });
        const same = a.rpt === b.rpt && a.method === b.method && a.pattern === b.pattern && a.generation === b.generation;
        expect(keyOf(a) === keyOf(b)).toBe(same);
      }),
    );
  });

  it('gives the same key again after clients sent thousands of methods (the shared tails start over)', () => {
    const keys = cache().cache;
    const tokenHash = hashToken('rpt');
    const first = keys.key({ tokenHash, method: 'GET', pattern: '/a', generation: 1 });
    for (let i = 0; i < 5_000; i++) keys.key({ tokenHash, method: `M${i}`, pattern: '/a', generation: 1 });
    expect(keys.key({ tokenHash, method: 'GET', pattern: '/a', generation: 1 })).toBe(first);
  });
});

describe('SingleFlight', () => {
  it('shares one run between concurrent callers of a key, and starts afresh once it settled', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let release: (n: number) => void = () => undefined;
    const work = (): Promise<number> => {
      runs += 1;
      return new Promise((resolve) => (release = resolve));
    };
    const first = flights.run('k', work);
    const second = flights.run('k', work);
    const other = flights.run('other', () => Promise.resolve(7));
    expect([first.shared, second.shared, other.shared]).toEqual([false, true, false]);
    expect(second.promise).toBe(first.promise);
    release(1);
    expect(await second.promise).toBe(1);
    await other.promise;
    expect(flights.size).toBe(0);
    const third = flights.run('k', () => Promise.resolve(2));
    expect(third.shared).toBe(false);
    expect(await third.promise).toBe(2);
    expect(runs).toBe(1);
  });

  it('never replays a failure: the key is free again once the run rejected', async () => {
    const flights = new SingleFlight<number>();
    await expect(flights.run('k', () => Promise.reject(new Error('down'))).promise).rejects.toThrow('down');
    expect(flights.size).toBe(0);
    expect(await flights.run('k', () => Promise.resolve(3)).promise).toBe(3);
  });
});
