/**
 * The Authorizer with a scripted check_access (no network): caching rules of contract §5.2,
 * coalescing, denial without ticket, and drift repair.
 */
import { describe, expect, it } from 'vitest';
import { OxdError } from '../../src/oxd/index.js';
import type { CheckAccessResult } from '../../src/oxd/index.js';
import { Authorizer } from '../../src/proxy/authorize.js';
import { DecisionCache } from '../../src/proxy/decision-cache.js';
import { ProxyMetrics } from '../../src/proxy/metrics.js';
import { RptLifetime } from '../../src/proxy/rpt-lifetime.js';

const GRANTED: CheckAccessResult = { access: 'granted' };

function jwt(expSeconds: number): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ exp: expSeconds })}.sig`;
}

function setup(answer: () => Promise<CheckAccessResult>, opts: { cacheTtlMs?: number; introspectExp?: number; introspectActive?: boolean } = {}) {
  const clock = { now: 1_000_000_000_000 };
  const calls: { rpt: string | null; path: string; method: string }[] = [];
  let repairs = 0;
  let introspections = 0;
  const metrics = new ProxyMetrics();
  const authorizer = new Authorizer({
    checkAccess: (rpt, path, method) => {
      calls.push({ rpt, path, method });
      return answer();
    },
    repairRegistration: () => {
      repairs += 1;
      return Promise.resolve();
    },
    lifetime: new RptLifetime({
      introspect: () => {
        introspections += 1;
        return Promise.resolve({ active: opts.introspectActive ?? true, exp: opts.introspectExp ?? clock.now / 1000 + 3600 });
      },
      max: 100,
      now: () => clock.now,
    }),
    cache: new DecisionCache({ max: 100, now: () => clock.now }),
    cacheTtlMs: opts.cacheTtlMs ?? 60_000,
    metrics,
  });
  return { authorizer, calls, clock, metrics, repairs: () => repairs, introspections: () => introspections };
}

const query = (rpt: string | null, pattern = '/photo') => ({ rpt, method: 'GET', pattern, generation: 1, client: '10.0.0.1' });

/** The current value of one metric series, by name and labels (0 when never set). */
async function metricValue(metrics: ProxyMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const series = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return series?.value ?? 0;
}

describe('Authorizer', () => {
  it('caches a grant: the second identical check makes no oxd call', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    expect(await t.authorizer.check(query('opaque'))).toEqual({ kind: 'granted', cacheHit: false });
    expect(await t.authorizer.check(query('opaque'))).toEqual({ kind: 'granted', cacheHit: true });
    expect(t.calls).toHaveLength(1);
    // The opaque RPT's lifetime came from introspect_rpt, asked once.
    expect(t.introspections()).toBe(1);
  });

  it('never caches a denial (its ticket is single-use)', async () => {
    const t = setup(() => Promise.resolve({ access: 'denied', ticket: 't', wwwAuthenticate: 'UMA ticket="t"' }));
    await t.authorizer.check(query('opaque'));
    await t.authorizer.check(query('opaque'));
    expect(t.calls).toHaveLength(2);
  });

  it('maps "denied without ticket" to forbidden', async () => {
    const t = setup(() => Promise.resolve({ access: 'denied', ticket: null, wwwAuthenticate: null }));
    expect(await t.authorizer.check(query('opaque'))).toEqual({ kind: 'forbidden' });
  });

  it('bounds a cached grant by the JWT exp of the RPT, not only by --cache-ttl', async () => {
    const t = setup(() => Promise.resolve(GRANTED), { cacheTtlMs: 60_000 });
    const rpt = jwt(t.clock.now / 1000 + 10); // expires in 10 s, cache-ttl is 60 s
    await t.authorizer.check(query(rpt));
    t.clock.now += 8_000;
    expect(await t.authorizer.check(query(rpt))).toEqual({ kind: 'granted', cacheHit: true });
    t.clock.now += 2_000; // at expiry (minus skew) the entry is gone
    expect(await t.authorizer.check(query(rpt))).toEqual({ kind: 'granted', cacheHit: false });
    expect(t.calls).toHaveLength(2);
    expect(t.introspections()).toBe(0);
  });

  it('bounds a cached grant by introspect_rpt exp for opaque RPTs', async () => {
    const clockStart = 1_000_000_000_000;
    const t = setup(() => Promise.resolve(GRANTED), { introspectExp: clockStart / 1000 + 5 });
    await t.authorizer.check(query('opaque'));
    t.clock.now += 5_000;
    expect((await t.authorizer.check(query('opaque'))).kind).toBe('granted');
    expect(t.calls).toHaveLength(2);
  });

  it('does not cache at all when the RPT is already past its exp', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    const rpt = jwt(t.clock.now / 1000 - 1);
    await t.authorizer.check(query(rpt));
    await t.authorizer.check(query(rpt));
    expect(t.calls).toHaveLength(2);
  });

  // lru-cache reads a TTL of 0 as "never expires": storing a grant with TTL 0 would keep it for
  // the life of the process, past the RPT's expiry and past --cache-ttl 0's promise.
  it('--cache-ttl 0 caches nothing: every request asks oxd, even much later', async () => {
    const t = setup(() => Promise.resolve(GRANTED), { cacheTtlMs: 0 });
    const rpt = jwt(t.clock.now / 1000 + 3600);
    expect(await t.authorizer.check(query(rpt))).toEqual({ kind: 'granted', cacheHit: false });
    expect(await t.authorizer.check(query(rpt))).toEqual({ kind: 'granted', cacheHit: false });
    t.clock.now += 1_800_000;
    expect(await t.authorizer.check(query(rpt))).toEqual({ kind: 'granted', cacheHit: false });
    expect(t.calls).toHaveLength(3);
  });

  it('an RPT whose cacheable lifetime ends right now is not cached (TTL exactly 0)', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    // exp minus the 1 s expiry skew is exactly now.
    const rpt = jwt(t.clock.now / 1000 + 1);
    await t.authorizer.check(query(rpt));
    expect(await t.authorizer.check(query(rpt))).toEqual({ kind: 'granted', cacheHit: false });
    expect(t.calls).toHaveLength(2);
  });

  it('an RPT whose cacheable lifetime ends within the millisecond is not cached', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    // JWT exp may be fractional: 0.5 ms of lifetime left must not become an entry with TTL 0.
    const rpt = jwt((t.clock.now + 1000.5) / 1000);
    await t.authorizer.check(query(rpt));
    t.clock.now += 3_600_000;
    await t.authorizer.check(query(rpt));
    expect(t.calls).toHaveLength(2);
  });

  it('an RPT whose lifetime cannot be learnt (introspection: inactive) is served but not cached', async () => {
    const t = setup(() => Promise.resolve(GRANTED), { introspectActive: false });
    expect(await t.authorizer.check(query('opaque'))).toEqual({ kind: 'granted', cacheHit: false });
    expect(await t.authorizer.check(query('opaque'))).toEqual({ kind: 'granted', cacheHit: false });
    expect(t.calls).toHaveLength(2);
  });

  it('counts cache lookups by result, and only for checks that carry an RPT', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    await t.authorizer.check(query('opaque'));
    await t.authorizer.check(query('opaque'));
    await t.authorizer.check(query('opaque'));
    await t.authorizer.check(query(null));
    expect(await metricValue(t.metrics, 'umagate_decision_cache_lookups_total', { result: 'miss' })).toBe(1);
    expect(await metricValue(t.metrics, 'umagate_decision_cache_lookups_total', { result: 'hit' })).toBe(2);
  });

  it('counts coalesced waits: 100 concurrent misses are 1 call and 99 waits, 99 in flight until it answers', async () => {
    let release: (r: CheckAccessResult) => void = () => undefined;
    const t = setup(() => new Promise((resolve) => (release = resolve)));
    const all = Array.from({ length: 100 }, () => Promise.resolve(t.authorizer.check(query('opaque'))));
    expect(await metricValue(t.metrics, 'umagate_coalesced_waits_total')).toBe(99);
    expect(await metricValue(t.metrics, 'umagate_coalesced_waits_in_flight')).toBe(99);
    expect(await metricValue(t.metrics, 'umagate_decision_cache_lookups_total', { result: 'miss' })).toBe(100);
    release(GRANTED);
    const outcomes = await Promise.all(all);
    expect(outcomes.every((o) => o.kind === 'granted' && !o.cacheHit)).toBe(true);
    expect(await metricValue(t.metrics, 'umagate_coalesced_waits_in_flight')).toBe(0);
    expect(await metricValue(t.metrics, 'umagate_coalesced_waits_total')).toBe(99);
  });

  it('a coalesced wait ends in flight even when the shared check fails', async () => {
    let fail: (e: Error) => void = () => undefined;
    const t = setup(() => new Promise((_resolve, reject) => (fail = reject)));
    const all = [Promise.resolve(t.authorizer.check(query('opaque'))), Promise.resolve(t.authorizer.check(query('opaque')))];
    expect(await metricValue(t.metrics, 'umagate_coalesced_waits_in_flight')).toBe(1);
    fail(new Error('down'));
    expect((await Promise.all(all)).map((o) => o.kind)).toEqual(['unavailable', 'unavailable']);
    expect(await metricValue(t.metrics, 'umagate_coalesced_waits_in_flight')).toBe(0);
  });

  it('100 concurrent identical misses share one oxd call', async () => {
    let release: (r: CheckAccessResult) => void = () => undefined;
    const t = setup(() => new Promise((resolve) => (release = resolve)));
    const all = Array.from({ length: 100 }, () => Promise.resolve(t.authorizer.check(query('opaque'))));
    release(GRANTED);
    const outcomes = await Promise.all(all);
    expect(outcomes.every((o) => o.kind === 'granted')).toBe(true);
    expect(t.calls).toHaveLength(1);
  });

  it('a grant for one pattern never answers for another (CVE-2021-32701)', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    await t.authorizer.check(query('opaque', '/photo'));
    await t.authorizer.check(query('opaque', '/admin'));
    expect(t.calls.map((c) => c.path)).toEqual(['/photo', '/admin']);
  });

  it('token-less checks are neither cached nor shared (each client needs its own ticket)', async () => {
    const t = setup(() => Promise.resolve({ access: 'denied', ticket: 't', wwwAuthenticate: 'w' }));
    await Promise.all([t.authorizer.check(query(null)), t.authorizer.check(query(null))]);
    expect(t.calls).toEqual([
      { rpt: null, path: '/photo', method: 'GET' },
      { rpt: null, path: '/photo', method: 'GET' },
    ]);
  });

  it('on registration drift re-registers once and retries', async () => {
    let first = true;
    const t = setup(() => {
      if (first) {
        first = false;
        return Promise.reject(new OxdError('invalid_request', 'Resource is not protected'));
      }
      return Promise.resolve(GRANTED);
    });
    expect((await t.authorizer.check(query('opaque'))).kind).toBe('granted');
    expect(t.repairs()).toBe(1);
    expect(t.calls).toHaveLength(2);
  });

  it('drift that persists after re-registering is unavailable (503), not a grant', async () => {
    const t = setup(() => Promise.reject(new OxdError('invalid_request', 'Resource is not protected')));
    const outcome = await t.authorizer.check(query('opaque'));
    expect(outcome.kind).toBe('unavailable');
    expect(outcome.kind === 'unavailable' && outcome.error.reason).toBe('registration_drift');
    expect(t.repairs()).toBe(1);
  });

  it('clear() empties the cache (policy reload)', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    await t.authorizer.check(query('opaque'));
    t.authorizer.clear();
    await t.authorizer.check(query('opaque'));
    expect(t.calls).toHaveLength(2);
  });
});
