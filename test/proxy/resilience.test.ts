/**
 * oxd outages and drift: fail closed while oxd is gone, recover by itself when it returns,
 * re-register after oxd lost its storage, and boot without crash-looping while oxd is down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness, type LogLine, type Protocol } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** The breaker's own report that it moved to `to`, from log line `from` on. */
function breakerMoved(harness: Harness, to: string, from: number): Promise<LogLine> {
  return harness.logs.waitFor(`"oxd circuit breaker changed state" to ${to}`, (l) => l.msg === 'oxd circuit breaker changed state' && l.to === to, from);
}

async function readiness(harness: Harness): Promise<{ oxd: { reachable: boolean; breaker: string } }> {
  return (await (await fetch(`${harness.proxy.adminUrl}/readyz`)).json()) as { oxd: { reachable: boolean; breaker: string } };
}

describe('oxd outage mid-traffic', () => {
  it('answers 503 (nothing forwarded without a grant), keeps serving cached grants, and recovers by itself', async () => {
    h = await startHarness({ proxy: { breaker: { failureThreshold: 2, probeIntervalMs: 500 } } });
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200); // cached now
    await h.oxd.stop();
    const forwardedBefore = h.backend.seen.length;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await h.fetch('/albums/1', { headers: bearer(rpt) })).status);
    expect(statuses.every((s) => s === 503)).toBe(true);
    expect(h.backend.seen.length).toBe(forwardedBefore);
    // The grant cached before the outage keeps serving until its TTL ends.
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    const ready = await fetch(`${h.proxy.adminUrl}/readyz`);
    expect(ready.status).toBe(200); // an oxd outage does not flip readiness
    expect(((await ready.json()) as { oxd: { reachable: boolean } }).oxd.reachable).toBe(false);
    const mark = h.logs.lines.length;
    await h.oxd.start();
    // No client traffic needed: the background probe finds oxd back and closes the breaker.
    await breakerMoved(h, 'closed', mark);
    const res = await h.fetch('/albums/1', { headers: bearer(rpt) });
    expect(res.status).toBe(401); // oxd answers again: a ticket for the album the RPT lacks
    expect(h.backend.seen.every((s) => s.url !== '/albums/1')).toBe(true);
  });
});

describe.each<Protocol>(['socket', 'https-extension', 'rest'])('half-open probe during an outage over %s (ARCHITECTURE.md, Outage)', (protocol) => {
  it('closes the breaker by itself once oxd is back, with no client traffic', async () => {
    h = await startHarness({ protocol, proxy: { breaker: { failureThreshold: 1, probeIntervalMs: 50 } } });
    await h.oxd.stop();
    expect((await h.fetch('/photo')).status).toBe(503);
    await breakerMoved(h, 'open', 0);
    expect((await readiness(h)).oxd.reachable).toBe(false);
    const calls = h.oxd.calls.length;
    const mark = h.logs.lines.length;
    await h.oxd.start();
    await breakerMoved(h, 'closed', mark);
    expect(await readiness(h)).toMatchObject({ oxd: { reachable: true, breaker: 'closed' } });
    const metrics = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^umagate_oxd_breaker_state 0$/m);
    expect(metrics).toMatch(/^umagate_oxd_reachable 1$/m);
    // What reached oxd was the probe alone: a read, never a check that mints a ticket.
    const probe = protocol === 'https-extension' ? 'introspect_rpt' : 'get_rp';
    expect(new Set(h.oxd.calls.slice(calls).map((c) => c.command))).toEqual(new Set([probe]));
    expect(h.backend.seen).toHaveLength(0);
  });
});

describe.each<Protocol>(['socket', 'https-extension', 'rest'])('registration drift over %s', (protocol) => {
  it('re-registers once when oxd lost its storage, then answers from the fresh registration', async () => {
    h = await startHarness({ protocol });
    const protects = h.oxd.count('uma_rs_protect');
    h.oxd.wipe();
    const res = await h.fetch('/photo');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('ticket=');
    // (The oxd client may send uma_rs_protect twice: once more after refreshing its token.)
    expect(h.oxd.count('uma_rs_protect')).toBeGreaterThan(protects);
    expect(h.logs.lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('registration drift'))).toHaveLength(1);
    expect(h.backend.seen).toHaveLength(0);
  });
});

describe('boot while oxd is down', () => {
  it('answers 503 and /readyz 503, then becomes ready by itself when oxd starts', async () => {
    h = await startHarness({ oxdDown: true, waitRegistered: false });
    const harness = h;
    const res = await h.fetch('/photo');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).not.toBeNull();
    // Public paths need no oxd and still work.
    expect((await h.fetch('/health')).status).toBe(200);
    expect((await fetch(`${h.proxy.adminUrl}/readyz`)).status).toBe(503);
    await h.oxd.start();
    await h.proxy.registered;
    expect((await fetch(`${harness.proxy.adminUrl}/readyz`)).status).toBe(200);
    expect((await h.fetch('/photo')).status).toBe(401);
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/health']);
  });
});

describe('before the first registration completes', () => {
  it('protected requests answer 503 without asking oxd, though oxd answers; public ones are served', async () => {
    h = await startHarness({ oxdDown: true, waitRegistered: false });
    // oxd is up but refuses to register the site, so the proxy stays unregistered.
    h.oxd.faults.add({ command: 'register_site', fault: { kind: 'error', code: 'internal_error', description: 'registration refused by the test' } });
    const from = h.logs.lines.length;
    await h.oxd.start();
    await h.logs.waitFor('the refused registration', (l) => String(l.err).includes('registration refused by the test'), from);
    const res = await h.send('/photo', { headers: bearer('some-rpt') });
    expect(res.status).toBe(503);
    expect(res.json().code).toBe('authorization_unavailable');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(h.oxd.count('uma_rs_check_access')).toBe(0);
    expect(h.logs.requests().at(-1)).toMatchObject({ path: '/photo', pattern: '/photo', outcome: 'authorization_unavailable', detail: 'not_registered' });
    expect((await h.send('/health')).status).toBe(200);
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/health']);
  });
});

describe('boot on the https-extension while oxd is down', () => {
  it('trusts the registration record but never reports oxd reachable without an answer from it', async () => {
    h = await startHarness({ protocol: 'https-extension' });
    await h.oxd.stop();
    const { startProxy } = await import('../../src/proxy/index.js');
    const second = await startProxy({ policy: h.policyFile, oxdConfig: h.iniFile, upstream: h.backend.url, listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', logLevel: 'silent' });
    try {
      await second.registered;
      const ready = await fetch(`${second.adminUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ oxd: { reachable: false } });
    } finally {
      await second.close();
    }
  });
});

describe('registration is idempotent (ARCHITECTURE.md, invariant 7)', () => {
  it('a second boot against the same oxd registers nothing', async () => {
    h = await startHarness();
    const protects = h.oxd.count('uma_rs_protect');
    expect(protects).toBe(1);
    const { startProxy } = await import('../../src/proxy/index.js');
    const second = await startProxy({ policy: h.policyFile, oxdConfig: h.iniFile, upstream: h.backend.url, listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', logLevel: 'silent' });
    await second.registered;
    await second.close();
    expect(h.oxd.count('uma_rs_protect')).toBe(protects);
  });
});
