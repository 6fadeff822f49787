/** Outages, restarts with empty storage, token expiry, the call log, and start-up options. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CALL_LOG_LIMIT, startDevOxd } from '../../src/devoxd/index.js';
import { devOxd, openSocket, PHOTO, session } from './fixture.js';
import { get, SocketWire } from './wire.js';

describe('dev oxd lifecycle', () => {
  it('stop() drops connections and refuses new ones; start() serves again on the same ports with the same state', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'socket');
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] });
    const port = oxd.socketAddress?.port ?? 0;
    const rest = oxd.restUrl ?? '';
    const held = await SocketWire.open(port);
    await oxd.stop();
    await held.waitClosed();
    await expect(SocketWire.open(port)).rejects.toThrow();
    await expect(get(rest, '/health-check')).rejects.toThrow();
    await oxd.start();
    const again = await SocketWire.open(port);
    expect(await again.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/photo', http_method: 'GET' })).toMatchObject({
      data: { access: 'denied' },
    });
    again.close();
    expect((await get(rest, '/health-check')).status).toBe(200);
  });

  it('wipe() forgets sites, resources and tokens', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    oxd.wipe();
    expect((await s.call('get_rp', { oxd_id: s.oxdId })).data['error']).toBe('invalid_oxd_id');
    const token = await s.call('get_client_token', { client_id: s.clientId, client_secret: s.clientSecret, op_host: oxd.opHost });
    expect(token.status).toBe(401);
  });

  it('expireTokens() ends RPTs too', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'socket');
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] });
    const denied = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/photo', http_method: 'GET' });
    const rpt = (await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: denied.data['ticket'] })).data['access_token'];
    oxd.expireTokens();
    expect((await s.call('introspect_rpt', { oxd_id: s.oxdId, rpt })).data['active']).toBe(false);
    expect((await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt, path: '/photo', http_method: 'GET' })).data['access']).toBe('denied');
  });

  it('logs every call with its protocol and counts them per command', async () => {
    const oxd = await devOxd();
    await session(oxd, 'rest');
    const s = await session(oxd, 'socket');
    await s.call('get_rp', { oxd_id: s.oxdId });
    expect(oxd.calls.map((c) => `${c.protocol}:${c.command}`)).toEqual([
      'rest:register_site',
      'rest:get_client_token',
      'socket:setup_client',
      'socket:get_client_token',
      'socket:get_rp',
    ]);
    expect(oxd.count('get_client_token')).toBe(2);
    expect(oxd.calls[4]?.params).toMatchObject({ oxd_id: s.oxdId });
  });

  it('keeps only the most recent calls (callLogLimit) while the counts stay exact', async () => {
    const oxd = await devOxd({ callLogLimit: 3 });
    const wire = await openSocket(oxd);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await wire.call('get_rp', { oxd_id: id });
    await wire.call('introspect_rpt', { oxd_id: 'f', rpt: 'r' });
    expect(oxd.calls.map((c) => `${c.command}:${String(c.params['oxd_id'])}`)).toEqual(['get_rp:d', 'get_rp:e', 'introspect_rpt:f']);
    expect(oxd.count('get_rp')).toBe(5);
    expect(oxd.count('GET_RP')).toBe(5);
    expect(oxd.count('introspect_rpt')).toBe(1);
    expect(oxd.count('uma_rs_check_access')).toBe(0);
  });

  it(`keeps ${DEFAULT_CALL_LOG_LIMIT} calls by default`, async () => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    for (let i = 0; i <= DEFAULT_CALL_LOG_LIMIT; i += 1) await wire.call('get_rp', { oxd_id: String(i) });
    expect(oxd.calls).toHaveLength(DEFAULT_CALL_LOG_LIMIT);
    expect(oxd.calls[0]?.params['oxd_id']).toBe('1');
    expect(oxd.count('get_rp')).toBe(DEFAULT_CALL_LOG_LIMIT + 1);
  });

  it('rejects a callLogLimit that is not a positive integer', async () => {
    await expect(startDevOxd({ callLogLimit: 0 })).rejects.toThrow(RangeError);
    await expect(startDevOxd({ callLogLimit: 1.5 })).rejects.toThrow(RangeError);
  });

  it('starts only the listeners asked for, and cannot start again after close()', async () => {
    const oxd = await startDevOxd({ socketPort: null, restPort: 0, httpsExtensionPort: null });
    expect([oxd.socketAddress, oxd.httpsExtensionUrl]).toEqual([null, null]);
    expect(oxd.restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await oxd.close();
    await expect(oxd.start()).rejects.toThrow(/closed/);
  });

  it('rejects a lifetime that is not positive', async () => {
    await expect(startDevOxd({ rptLifetimeSeconds: 0 })).rejects.toThrow(RangeError);
  });

});
