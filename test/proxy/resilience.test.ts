/**
 * oxd outages and drift: fail closed while oxd is gone, recover by itself when it returns,
 * re-register after oxd lost its storage, and boot without crash-looping while oxd is down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('oxd outage mid-traffic', () => {
  it('answers 503 (nothing forwarded without a grant), keeps serving cached grants, and recovers by itself', async () => {
    h = await startHarness({ proxy: { breaker: { failureThreshold: 2, probeIntervalMs: 500 } } });
    const harness = h;
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
    await h.oxd.start();
    const res = await until(
      () => harness.fetch('/albums/1', { headers: bearer(rpt) }),
      (r) => r.status !== 503,
    );
    expect(res.status).toBe(401); // oxd answers again: a ticket for the album the RPT lacks
    expect(h.backend.seen.every((s) => s.url !== '/albums/1')).toBe(true);
  });
});

describe('registration drift', () => {
  it('re-registers once when oxd lost its storage, then answers from the fresh registration', async () => {
    h = await startHarness();
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

describe('registration is idempotent (contract §4)', () => {
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
