/** The admin listener, the bounded metric labels, and draining shutdown. */
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { startGatedBackend } from './gated-backend.js';
import { bearer, startHarness, type Harness } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('admin listener', () => {
  it('/healthz is alive and /readyz reports oxd and the policy generation', async () => {
    h = await startHarness();
    expect((await fetch(`${h.proxy.adminUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.proxy.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, oxd: { reachable: true, breaker: 'closed' }, policy: { generation: 1, registered: true } });
  });

  it('/metrics labels requests by outcome and pattern, never by raw path', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    await h.fetch('/photo', { headers: bearer(rpt) });
    await h.fetch('/albums/secret-album-42');
    await h.fetch('/no/such/path/9');
    const text = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    expect(text).toContain('umagate_requests_total{outcome="granted",pattern="/photo"} 1');
    expect(text).toContain('umagate_requests_total{outcome="uma_ticket",pattern="/albums/?"} 1');
    expect(text).toContain('umagate_requests_total{outcome="unprotected",pattern="none"} 1');
    expect(text).toMatch(/umagate_oxd_call_duration_seconds_count\{command="uma_rs_check_access",result="ok"\} \d+/);
    expect(text).toContain('umagate_decision_cache_lookups_total{result="miss"}');
    expect(text).not.toContain('secret-album-42');
    expect(text).not.toContain('/no/such/path/9');
    expect(text).not.toContain(rpt);
  });
});

describe('shutdown', () => {
  it('drains an in-flight request before closing', async () => {
    const backend = await startGatedBackend();
    onTestFinished(() => backend.close());
    h = await startHarness({ proxy: { upstream: backend.url } });
    const held = backend.hold();
    const pending = h.fetch('/health');
    // Closing starts only once the request has provably reached the backend.
    await held.arrived;
    const closing = h.proxy.close();
    held.release();
    const res = await pending;
    expect(res.status).toBe(200);
    await closing;
    await expect(fetch(`${h.proxy.url}/health`)).rejects.toThrow();
  });
});
