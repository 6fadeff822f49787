/** The same enforcement over each oxd wire protocol the dev oxd speaks. */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness, type Protocol } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe.each<Protocol>(['socket', 'https-extension', 'rest'])('oxd protocol %s', (protocol) => {
  it('registers, challenges with a ticket, grants, caches and forwards', async () => {
    h = await startHarness({ protocol });
    expect(h.oxd.calls.every((c) => c.protocol === protocol)).toBe(true);
    expect((await h.fetch('/admin')).status).toBe(401);
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    const checks = h.oxd.count('uma_rs_check_access');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect(h.oxd.count('uma_rs_check_access')).toBe(checks);
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/photo', '/photo']);
  });

  it('does not register again on a second boot (get_rp or the registration record)', async () => {
    h = await startHarness({ protocol });
    const { startProxy } = await import('../../src/proxy/index.js');
    const second = await startProxy({ policy: h.policyFile, oxdConfig: h.iniFile, upstream: h.backend.url, listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', logLevel: 'silent' });
    await second.registered;
    await second.close();
    expect(h.oxd.count('uma_rs_protect')).toBe(1);
  });
});
