/** grantingRptPrefix (dev and load tests only): prefixed RPTs are granted and active; nothing else changes. */
import { describe, expect, it } from 'vitest';
import { devOxd, PHOTO, session } from './fixture.js';

describe('grantingRptPrefix', () => {
  it.each([
    { prefix: 'load-', rpt: 'load-123', granted: true },
    { prefix: 'load-', rpt: 'other-123', granted: false },
    { prefix: undefined, rpt: 'load-123', granted: false },
  ])('prefix $prefix, RPT $rpt → granted: $granted, and introspects alike', async ({ prefix, rpt, granted }) => {
    const oxd = await devOxd(prefix === undefined ? {} : { grantingRptPrefix: prefix });
    const s = await session(oxd, 'rest');
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] });
    const check = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt, path: '/photo', http_method: 'GET' });
    expect(check.data['access']).toBe(granted ? 'granted' : 'denied');
    const introspected = await s.call('introspect_rpt', { oxd_id: s.oxdId, rpt });
    expect(introspected.data['active']).toBe(granted);
    if (granted) expect(Number(introspected.data['exp'])).toBeGreaterThan(Date.now() / 1000);
  });
});
