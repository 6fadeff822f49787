/** Decision cache and credentials handling, end to end against the dev oxd. */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('decision cache (ARCHITECTURE.md, invariant 3)', () => {
  it('serves the second identical request from the cache: oxd checked exactly once', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    const before = h.oxd.count('uma_rs_check_access');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect(h.oxd.count('uma_rs_check_access') - before).toBe(1);
    expect(h.backend.seen).toHaveLength(2);
    const lines = h.logs.requests().slice(-2);
    expect(lines.map((l) => l.cacheHit)).toEqual([false, true]);
    const metrics = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    expect(metricValue(metrics, 'umagate_decision_cache_lookups_total{result="miss"}')).toBe(1);
    expect(metricValue(metrics, 'umagate_decision_cache_lookups_total{result="hit"}')).toBe(1);
  });

  it('--cache-ttl 0 caches nothing: every request with the same RPT asks oxd', async () => {
    h = await startHarness({ proxy: { cacheTtl: 0 } });
    const rpt = await h.obtainRpt('GET', '/photo');
    const before = h.oxd.count('uma_rs_check_access');
    for (let i = 0; i < 3; i++) expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect(h.oxd.count('uma_rs_check_access') - before).toBe(3);
    expect(h.logs.requests().slice(-3).map((l) => l.cacheHit)).toEqual([false, false, false]);
  });

  it('100 concurrent identical misses make one oxd call', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    const before = h.oxd.count('uma_rs_check_access');
    h.oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'delay', ms: 150 }, times: 1 });
    const harness = h;
    const responses = await Promise.all(Array.from({ length: 100 }, () => harness.fetch('/photo', { headers: bearer(rpt) })));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(h.oxd.count('uma_rs_check_access') - before).toBe(1);
    // Every request either waited for the one oxd call or, arriving after it, hit the cache.
    const metrics = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    const misses = metricValue(metrics, 'umagate_decision_cache_lookups_total{result="miss"}');
    const hits = metricValue(metrics, 'umagate_decision_cache_lookups_total{result="hit"}');
    expect(misses + hits).toBe(100);
    expect(metricValue(metrics, 'umagate_coalesced_waits_total')).toBe(misses - 1);
    expect(misses).toBeGreaterThan(1);
    expect(metricValue(metrics, 'umagate_coalesced_waits_in_flight')).toBe(0);
    const lines = h.logs.requests().slice(-100);
    expect(lines.filter((l) => l.cacheHit === true)).toHaveLength(hits);
  });

  it('never caches denials: each denied request asks oxd again', async () => {
    h = await startHarness();
    await h.fetch('/photo', { headers: bearer('unknown-rpt') });
    await h.fetch('/photo', { headers: bearer('unknown-rpt') });
    expect(h.oxd.count('uma_rs_check_access')).toBe(2);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('never keeps a grant beyond the RPT expiry (JWT exp, short-lived RPTs)', async () => {
    // One injected clock for the dev AS (which writes `exp`) and the proxy (which reads it).
    const clock = { ms: Date.now() };
    const now = (): number => clock.ms;
    h = await startHarness({ oxd: { jwtRpts: true, rptLifetimeSeconds: 3, now }, proxy: { cacheTtl: 60, now } });
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    const checks = h.oxd.count('uma_rs_check_access');
    clock.ms += 3100;
    // The RPT has expired: the cache must not answer; oxd is asked and denies.
    const res = await h.fetch('/photo', { headers: bearer(rpt) });
    expect(res.status).toBe(401);
    expect(h.oxd.count('uma_rs_check_access')).toBe(checks + 1);
    expect(h.oxd.count('introspect_rpt')).toBe(0);
  });

  it('a policy reload empties the cache', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    await h.fetch('/photo', { headers: bearer(rpt) });
    const { writeFile, readFile } = await import('node:fs/promises');
    await writeFile(h.policyFile, `${await readFile(h.policyFile, 'utf8')}\n# a comment\n`);
    expect((await h.proxy.reload()).result).toBe('applied');
    const before = h.oxd.count('uma_rs_check_access');
    await h.fetch('/photo', { headers: bearer(rpt) });
    expect(h.oxd.count('uma_rs_check_access')).toBe(before + 1);
  });
});

describe('--pass-credentials', () => {
  it('pass (default) forwards the Authorization header', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    await h.fetch('/photo', { headers: bearer(rpt) });
    expect(h.backend.seen[0]?.headers.authorization).toBe(`Bearer ${rpt}`);
  });

  it('hide strips it before the backend', async () => {
    h = await startHarness({ proxy: { passCredentials: 'hide' } });
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect(h.backend.seen[0]?.headers.authorization).toBeUndefined();
  });
});

describe('logs', () => {
  it('one decision line per request, never the RPT or the ticket', async () => {
    h = await startHarness();
    const denied = await h.fetch('/photo', { headers: { 'x-request-id': 'client-id-1' } });
    const ticket = ((await denied.json()) as { ticket: string }).ticket;
    const rpt = await h.rptFor(ticket);
    const granted = await h.fetch('/photo?secret=1', { headers: bearer(rpt) });
    const lines = h.logs.requests();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ requestId: 'client-id-1', method: 'GET', path: '/photo', pattern: '/photo', outcome: 'uma_ticket', status: 401 });
    expect(lines[1]).toMatchObject({ method: 'GET', path: '/photo', pattern: '/photo', outcome: 'granted', status: 200, cacheHit: false });
    expect(lines[1]?.authzMs).toEqual(expect.any(Number));
    expect(lines[1]?.upstreamMs).toEqual(expect.any(Number));
    expect(h.logs.text).not.toContain(rpt);
    expect(h.logs.text).not.toContain(ticket);
    // The request id travels upstream, and back to the client on the forwarded answer.
    expect(h.backend.seen[0]?.headers['x-request-id']).toBe(lines[1]?.requestId);
    expect(granted.headers.get('x-request-id')).toBe(lines[1]?.requestId);
  });
});

/**
 * The value of one series in a Prometheus text exposition (`name{labels}` as printed); 0 for a
 * labelled series never incremented, which prom-client leaves out, as long as the metric exists.
 */
function metricValue(text: string, series: string): number {
  const name = series.split('{')[0] ?? series;
  if (!text.includes(`# TYPE ${name} `)) throw new Error(`no metric ${name} in /metrics`);
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
