/**
 * The Authorizer over the oxd backend with a scripted check_access (no network): caching rules of ARCHITECTURE.md invariant 3,
 * coalescing, denial without ticket, and drift repair.
 */
import { describe, expect, it } from 'vitest';
import { OxdError } from '../../src/oxd/index.js';
import type { CheckAccessResult } from '../../src/oxd/index.js';
import { Authorizer } from '../../src/proxy/authorize.js';
import { AuthorizationUnavailableError, OxdCapacityError } from '../../src/proxy/errors.js';
import type { OxdCaller } from '../../src/proxy/oxd-capacity.js';
import { DecisionCache } from '../../src/proxy/decision-cache.js';
import { ProxyMetrics } from '../../src/proxy/metrics.js';
import { oxdCheck } from '../../src/proxy/oxd-backend.js';
import { RptLifetime } from '../../src/proxy/rpt-lifetime.js';

const GRANTED: CheckAccessResult = { access: 'granted' };

function jwt(expSeconds: number): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ exp: expSeconds })}.sig`;
}

interface SetupOptions {
  readonly cacheTtlMs?: number;
  readonly introspectExp?: number;
  readonly introspectActive?: boolean;
  readonly introspectFails?: boolean;
  readonly repairFails?: boolean;
}

function setup(answer: () => Promise<CheckAccessResult>, opts: SetupOptions = {}) {
  const clock = { now: 1_000_000_000_000 };
  const calls: { rpt: string | null; path: string; method: string }[] = [];
  const callers: OxdCaller[] = [];
  let repairs = 0;
  let introspections = 0;
  const metrics = new ProxyMetrics();
  const authorizer = new Authorizer({
    backend: oxdCheck({
      checkAccess: (rpt, path, method, caller) => {
        calls.push({ rpt, path, method });
        callers.push(caller);
        return answer();
      },
      lifetime: new RptLifetime({
        introspect: () => {
          introspections += 1;
          if (opts.introspectFails === true) return Promise.reject(new OxdError('internal_error', 'introspection failed'));
          return Promise.resolve({ active: opts.introspectActive ?? true, exp: opts.introspectExp ?? clock.now / 1000 + 3600 });
        },
        max: 100,
        now: () => clock.now,
      }),
    }),
    repairRegistration: () => {
      repairs += 1;
      return opts.repairFails === true ? Promise.reject(new OxdError('internal_error', 'storage full')) : Promise.resolve();
    },
    cache: new DecisionCache({ max: 100, now: () => clock.now }),
    cacheTtlMs: opts.cacheTtlMs ?? 60_000,
    metrics,
  });
  return { authorizer, calls, callers, clock, metrics, repairs: () => repairs, introspections: () => introspections };
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

  it('an RPT whose introspection fails is served but not cached', async () => {
    const t = setup(() => Promise.resolve(GRANTED), { introspectFails: true });
    expect(await t.authorizer.check(query('opaque'))).toEqual({ kind: 'granted', cacheHit: false });
    expect(await t.authorizer.check(query('opaque'))).toEqual({ kind: 'granted', cacheHit: false });
    expect(t.calls).toHaveLength(2);
  });

  it('a grant without an RPT is served, and neither cached nor looked up', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    expect(await t.authorizer.check(query(null))).toEqual({ kind: 'granted', cacheHit: false });
    expect(await t.authorizer.check(query(null))).toEqual({ kind: 'granted', cacheHit: false });
    expect(t.calls).toHaveLength(2);
    expect(t.introspections()).toBe(0);
  });

  // A reload (or re-registration) while a check is in flight: the grant answered that request,
  // but it was judged under the old policy, so it must not be cached under the new one.
  it('a grant obtained across clear() is served but not cached', async () => {
    let release: (r: CheckAccessResult) => void = () => undefined;
    let held = true;
    const t = setup(() => (held ? new Promise((resolve) => (release = resolve)) : Promise.resolve(GRANTED)));
    const inFlight = t.authorizer.check(query('opaque'));
    t.authorizer.clear();
    held = false;
    release(GRANTED);
    expect(await inFlight).toEqual({ kind: 'granted', cacheHit: false });
    expect(await t.authorizer.check(query('opaque'))).toEqual({ kind: 'granted', cacheHit: false });
    expect(t.calls).toHaveLength(2);
  });

  it('an oxd error other than drift is unavailable (oxd_error), with no re-registration', async () => {
    const cause = new OxdError('internal_error', 'database down');
    const t = setup(() => Promise.reject(cause));
    const outcome = await t.authorizer.check(query('opaque'));
    expect(outcome.kind === 'unavailable' && outcome.error).toMatchObject({ reason: 'oxd_error', message: 'oxd could not decide: database down', cause });
    expect(t.repairs()).toBe(0);
    expect(t.calls).toHaveLength(1);
  });

  it('a failure that is not an Error is still unavailable, and named', async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a foreign library might do
    const t = setup(() => Promise.reject('socket hang up'));
    const outcome = await t.authorizer.check(query('opaque'));
    expect(outcome.kind === 'unavailable' && outcome.error).toMatchObject({ reason: 'oxd_error', message: 'oxd could not decide: socket hang up' });
  });

  it('an unavailable error from the guard (timeout, breaker) passes through with its own reason', async () => {
    const error = new AuthorizationUnavailableError('oxd_timeout', 'oxd did not answer in time');
    const t = setup(() => Promise.reject(error));
    const outcome = await t.authorizer.check(query('opaque'));
    expect(outcome.kind === 'unavailable' && outcome.error).toBe(error);
    expect(t.repairs()).toBe(0);
  });

  it.each(['invalid_request', 'invalid_oxd_id'])('drift (%s) whose re-registration fails is unavailable (registration_drift), asked once', async (code) => {
    const t = setup(() => Promise.reject(new OxdError(code, 'unknown to oxd')), { repairFails: true });
    const outcome = await t.authorizer.check(query('opaque'));
    expect(outcome.kind === 'unavailable' && outcome.error).toMatchObject({
      reason: 'registration_drift',
      message: 'oxd lost the registration and re-registering failed',
      cause: expect.objectContaining({ code: 'internal_error' }) as unknown,
    });
    expect(t.repairs()).toBe(1);
    expect(t.calls).toHaveLength(1);
  });

  it('drift that persists names the method and pattern oxd still does not know', async () => {
    const cause = new OxdError('invalid_oxd_id', 'unknown site');
    const t = setup(() => Promise.reject(cause));
    const outcome = await t.authorizer.check(query('opaque', '/albums/?'));
    expect(outcome.kind === 'unavailable' && outcome.error).toMatchObject({
      reason: 'registration_drift',
      message: 'oxd still does not know GET /albums/? after re-registering',
      cause,
    });
  });

  it('after re-registering, another failure of the retry keeps its own reason', async () => {
    const timeout = new AuthorizationUnavailableError('oxd_timeout', 'oxd did not answer in time');
    const answers = [new OxdError('invalid_request', 'not protected'), timeout];
    const t = setup(() => Promise.reject(answers.shift() ?? new Error('asked too often')));
    const outcome = await t.authorizer.check(query('opaque'));
    expect(outcome.kind === 'unavailable' && outcome.error).toBe(timeout);
    expect(t.repairs()).toBe(1);
  });

  it('after re-registering, an oxd error other than drift on the retry is oxd_error', async () => {
    const answers = [new OxdError('invalid_request', 'not protected'), new OxdError('internal_error', 'database down')];
    const t = setup(() => Promise.reject(answers.shift() ?? new Error('asked too often')));
    const outcome = await t.authorizer.check(query('opaque'));
    expect(outcome.kind === 'unavailable' && outcome.error).toMatchObject({ reason: 'oxd_error', message: 'oxd could not decide: database down' });
  });

  it('asks oxd on behalf of the client, saying whether the check carries a token', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    await t.authorizer.check(query('opaque'));
    await t.authorizer.check(query(null));
    expect(t.callers).toEqual([
      { carriesToken: true, client: '10.0.0.1' },
      { carriesToken: false, client: '10.0.0.1' },
    ]);
  });

  it('a check shed for capacity is reported as shed, not as oxd unavailable', async () => {
    const error = new OxdCapacityError('client_limit', 3);
    const t = setup(() => Promise.reject(error));
    expect(await t.authorizer.check(query('opaque'))).toEqual({ kind: 'shed', error });
  });

  it('re-registering empties the cache: grants issued before it are void', async () => {
    let drift = false;
    const t = setup(() => (drift ? ((drift = false), Promise.reject(new OxdError('invalid_request', 'not protected'))) : Promise.resolve(GRANTED)));
    await t.authorizer.check(query('opaque', '/admin'));
    drift = true;
    await t.authorizer.check(query('opaque', '/photo'));
    expect(await t.authorizer.check(query('opaque', '/admin'))).toEqual({ kind: 'granted', cacheHit: false });
  });

  it('clear() empties the cache (policy reload)', async () => {
    const t = setup(() => Promise.resolve(GRANTED));
    await t.authorizer.check(query('opaque'));
    t.authorizer.clear();
    await t.authorizer.check(query('opaque'));
    expect(t.calls).toHaveLength(2);
  });
});
