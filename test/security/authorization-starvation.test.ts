/**
 * Attack class: denial of authorization by resource starvation (CWE-400, CWE-770). Every
 * request without a token costs an oxd call that mints a ticket. Found by attacking the running
 * proxy: with a slow oxd (tens of milliseconds per check), one anonymous client with ~1,500
 * concurrent connections made requests carrying valid RPTs fail with 503 — all calls queued for
 * the same few oxd connections, the queue wait counted against each call's deadline, and three
 * timeouts opened the circuit breaker for everyone.
 *
 * Now calls for requests with a token and without one run in separate lanes (slots and bounded
 * queues of their own, oxd-capacity.ts), waiting for a lane is never an oxd failure, and one
 * client may have only --oxd-per-client oxd-bound requests per lane; the excess is answered
 * 429 `too_many_requests` with Retry-After and counted in umagate_oxd_shed_total.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness, type RawResponse } from '../proxy/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** Each check_access takes this long: a slow oxd, as in the report. */
const OXD_LATENCY_MS = 40;
const FLOOD = 300;

async function metric(harness: Harness, prefix: string): Promise<number> {
  const text = await (await fetch(`${harness.proxy.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('an anonymous flood from one address', () => {
  it('cannot delay the check of a token holder from the same address, nor open the breaker', async () => {
    // The socket protocol, whose fixed connection pool is where the calls queued.
    h = await startHarness({ protocol: 'socket', proxy: { oxdTimeout: 2 } });
    const harness = h;
    // Valid RPTs, none of them cached yet: each use below needs its own oxd check.
    const rpts = [await harness.obtainRpt('GET', '/photo'), await harness.obtainRpt('GET', '/photo'), await harness.obtainRpt('GET', '/photo')];
    harness.oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'delay', ms: OXD_LATENCY_MS } });

    const flood = Array.from({ length: FLOOD }, () => harness.send('/photo'));
    // The flood is under way once its first answer is back.
    await Promise.race(flood);
    const tokenAnswers: number[] = [];
    for (const rpt of rpts) tokenAnswers.push((await harness.send('/photo', { headers: bearer(rpt) })).status);
    const floodAnswers: RawResponse[] = await Promise.all(flood);

    expect(tokenAnswers).toEqual([200, 200, 200]);
    const shed = floodAnswers.filter((r) => r.status === 429);
    expect(shed.length).toBeGreaterThan(0);
    expect(floodAnswers.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    // A shed answer says when to come back and nothing else.
    expect(shed[0]?.headers['retry-after']).toBe('1');
    expect(shed[0]?.json()).toEqual({ code: 'too_many_requests', message: expect.any(String) as string });
    expect(await metric(harness, 'umagate_oxd_breaker_state')).toBe(0);
    expect(await metric(harness, 'umagate_oxd_shed_total{lane="anonymous",reason="client_limit"}')).toBe(shed.length);
    expect(harness.logs.requests().filter((l) => l.outcome === 'too_many_requests')).toHaveLength(shed.length);
    expect(harness.backend.seen).toHaveLength(3);
  });

  it('the per-client bound is set with --oxd-per-client and counts the forwarded client behind a trusted proxy', async () => {
    h = await startHarness({ proxy: { oxdPerClient: 1, trustProxy: '127.0.0.1/32' } });
    const harness = h;
    harness.oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'delay', ms: OXD_LATENCY_MS } });
    // A client cannot dodge its bound by writing addresses of its own further left (the lesson of
    // oauth2-proxy PR #3478, which trusted the leftmost X-Forwarded-For entry).
    const fromA = (i: number) => harness.send('/photo', { headers: { 'x-forwarded-for': `10.9.9.${i}, 203.0.113.1` } });
    const a = await Promise.all([fromA(1), fromA(2), fromA(3)]);
    expect(a.map((r) => r.status).sort()).toEqual([401, 429, 429]);
    // Another client behind the same proxy has a bound of its own.
    const b = await harness.send('/photo', { headers: { 'x-forwarded-for': '203.0.113.2' } });
    expect(b.status).toBe(401);
  });
});
