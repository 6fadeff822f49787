/**
 * The Authorizer over the oxd backend with a scripted check_access (no network): caching rules of contract §5.2,
 * coalescing, denial without ticket, and drift repair.
 */
import { describe, expect, it } from 'vitest';
import { OxdError } from '../../src/oxd/index.js';
import type { CheckAccessResult } from '../../src/oxd/index.js';
import { Authorizer } from '../../src/proxy/authorize.js';
import { DecisionCache } from '../../src/proxy/decision-cache.js';
import { ProxyMetrics } from '../../src/proxy/metrics.js';
import { oxdCheck } from '../../src/proxy/oxd-backend.js';
import { RptLifetime } from '../../src/proxy/rpt-lifetime.js';

const GRANTED: CheckAccessResult = { access: 'granted' };

function jwt(expSeconds: number): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ exp: expSeconds })}.sig`;
}

function setup(answer: () => Promise<CheckAccessResult>, opts: { cacheTtlMs?: number; introspectExp?: number } = {}) {
  const clock = { now: 1_000_000_000_000 };
  const calls: { rpt: string | null; path: string; method: string }[] = [];
  let repairs = 0;
  let introspections = 0;
  const authorizer = new Authorizer({
    backend: oxdCheck({
      checkAccess: (rpt, path, method) => {
        calls.push({ rpt, path, method });
        return answer();
      },
      lifetime: new RptLifetime({
        introspect: () => {
          introspections += 1;
          return Promise.resolve({ active: true, exp: opts.introspectExp ?? clock.now / 1000 + 3600 });
        },
        max: 100,
        now: () => clock.now,
      }),
    }),
    repairRegistration: () => {
      repairs += 1;
      return Promise.resolve();
    },
    cache: new DecisionCache({ max: 100, now: () => clock.now }),
    cacheTtlMs: opts.cacheTtlMs ?? 60_000,
    metrics: new ProxyMetrics(),
  });
  return { authorizer, calls, clock, repairs: () => repairs, introspections: () => introspections };
}

const query = (rpt: string | null, pattern = '/photo') => ({ rpt, method: 'GET', pattern, generation: 1 });

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

  it('100 concurrent identical misses share one oxd call', async () => {
    let release: (r: CheckAccessResult) => void = () => undefined;
    const t = setup(() => new Promise((resolve) => (release = resolve)));
    const all = Array.from({ length: 100 }, () => t.authorizer.check(query('opaque')));
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
