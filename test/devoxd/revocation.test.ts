/**
 * Revocation at the dev oxd's AS: a revoked protection token is refused as an inactive one
 * (oxd 4.x: 403 inactive_access_token), a revoked RPT is denied and introspects as inactive, and
 * revoking a client's tokens leaves it free to obtain a new one.
 */
import { describe, expect, it } from 'vitest';
import { devOxd, PHOTO, session } from './fixture.js';

describe('revocation at the dev oxd', () => {
  it('revokeToken: a revoked protection token is refused; a fresh one works', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    expect((await s.call('get_rp', { oxd_id: s.oxdId })).ok).toBe(true);
    oxd.revokeToken(s.token);
    expect(await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] })).toMatchObject({ status: 403, data: { error: 'inactive_access_token' } });
  });

  it('revokeClientTokens: every token of the client is refused, and get_client_token issues a new one', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    const other = await session(oxd, 'rest');
    expect(oxd.revokeClientTokens(s.clientId)).toBe(1);
    expect(await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] })).toMatchObject({ status: 403, data: { error: 'inactive_access_token' } });
    expect((await other.call('uma_rs_protect', { oxd_id: other.oxdId, resources: [PHOTO] })).ok).toBe(true);
    const fresh = await s.call('get_client_token', { client_id: s.clientId, client_secret: s.clientSecret, op_host: oxd.opHost, scope: ['openid', 'oxd'] });
    expect(fresh.ok).toBe(true);
  });

  it('revokeToken on an RPT: check_access denies it with a ticket and introspect_rpt says inactive', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'socket');
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] });
    const denied = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/photo', http_method: 'GET' });
    const rpt = String((await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: denied.data['ticket'] })).data['access_token']);
    const check = { oxd_id: s.oxdId, rpt, path: '/photo', http_method: 'GET' };
    expect((await s.call('uma_rs_check_access', check)).data['access']).toBe('granted');
    oxd.revokeToken(rpt);
    expect((await s.call('introspect_rpt', { oxd_id: s.oxdId, rpt })).data['active']).toBe(false);
    const after = await s.call('uma_rs_check_access', check);
    expect(after.data['access']).toBe('denied');
    expect(typeof after.data['ticket']).toBe('string');
  });
});
