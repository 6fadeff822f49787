/**
 * Protection tokens per protocol: 4.x Bearer rules (4.2+ authorizationRequired), 3.x
 * `protection_access_token` with protect_commands_with_access_token, and the https-extension's
 * own Bearer-header gate (docs/oxd-protocols.md, *Protection token, per protocol*).
 */
import { describe, expect, it } from 'vitest';
import { anyString, caller, devOxd, session } from './fixture.js';
import { bearer, post } from './wire.js';

describe('oxd 4.x REST tokens (protection on by default)', () => {
  it.each([
    { name: 'no header', header: undefined, status: 403, error: 'blank_access_token' },
    { name: 'a blank Bearer', header: 'Bearer ', status: 403, error: 'blank_access_token' },
    { name: 'an unknown token', header: 'Bearer nope', status: 403, error: 'inactive_access_token' },
  ])('rejects $name with $error', async ({ header, status, error }) => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    const reply = await post(oxd.restUrl ?? '', '/uma-rs-check-access', { oxd_id: s.oxdId, rpt: '', path: '/p', http_method: 'GET' }, header === undefined ? {} : { authorization: header });
    expect(reply.status).toBe(status);
    expect(reply.json).toMatchObject({ error });
  });

  it('rejects a token without the oxd scope, then one of another client', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    const other = await session(oxd, 'rest');
    const base = oxd.restUrl ?? '';
    const narrow = await post(base, '/get-client-token', { client_id: s.clientId, client_secret: s.clientSecret, op_host: oxd.opHost, scope: ['openid'] });
    const narrowToken = String((narrow.json as Record<string, unknown>)['access_token']);
    const params = { oxd_id: s.oxdId, rpt: '', path: '/p', http_method: 'GET' };
    expect((await post(base, '/uma-rs-check-access', params, bearer(narrowToken))).json).toMatchObject({ error: 'access_token_insufficient_scope' });
    expect((await post(base, '/uma-rs-check-access', params, bearer(other.token))).json).toMatchObject({ error: 'invalid_access_token' });
  });

  it('checks the site before the token (blank → site → active)', async () => {
    const oxd = await devOxd();
    const reply = await post(oxd.restUrl ?? '', '/uma-rs-check-access', { oxd_id: 'unknown', path: '/p', http_method: 'GET' }, bearer('nope'));
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'invalid_oxd_id' });
  });

  it.each(['register_site', 'update_site', 'remove_site', 'get_client_token', 'get_rp'])('lets %s through without a token', async (command) => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    const reply = await post(oxd.restUrl ?? '', `/${command.replaceAll('_', '-')}`, { oxd_id: s.oxdId, redirect_uris: ['https://a/cb'] });
    expect(reply.json).not.toMatchObject({ error: 'blank_access_token' });
  });

  it('expires every token with expireTokens()', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    oxd.expireTokens();
    const reply = await s.call('get_authorization_url', { oxd_id: s.oxdId });
    expect(reply).toMatchObject({ status: 403, data: { error: 'inactive_access_token' } });
  });

  it('checks nothing when protection is off', async () => {
    const oxd = await devOxd({ protectCommands: { rest: false } });
    const call = await caller(oxd, 'rest');
    const site = await call('register_site', { redirect_uris: ['https://a/cb'] });
    expect((await call('get_authorization_url', { oxd_id: site.data['oxd_id'] })).ok).toBe(true);
  });

  it('answers the AS error for bad client credentials', async () => {
    const oxd = await devOxd();
    const call = await caller(oxd, 'rest');
    const reply = await call('get_client_token', { client_id: 'x', client_secret: 'y', op_host: oxd.opHost });
    expect(reply).toEqual({ ok: false, status: 401, data: { error: 'invalid_client', error_description: 'Client authentication failed.' } });
  });
});

describe('oxd 3.x socket tokens', () => {
  it('checks nothing by default', async () => {
    const oxd = await devOxd();
    const call = await caller(oxd, 'socket');
    const site = await call('register_site', { authorization_redirect_uri: 'https://a/cb' });
    expect((await call('get_authorization_url', { oxd_id: site.data['oxd_id'] })).ok).toBe(true);
  });

  it.each([
    { name: 'no token', token: undefined, error: 'blank_protection_access_token' },
    { name: 'an unknown token', token: 'nope', error: 'inactive_protection_access_token' },
  ])('with protection on, rejects $name', async ({ token, error }) => {
    const oxd = await devOxd({ protectCommands: { socket: true } });
    const s = await session(oxd, 'socket');
    const call = await caller(oxd, 'socket');
    const reply = await call('get_authorization_url', token === undefined ? { oxd_id: s.oxdId } : { oxd_id: s.oxdId, protection_access_token: token });
    expect(reply).toMatchObject({ ok: false, status: 200, data: { error, details: null } });
  });

  it('with protection on, accepts the setup client token for the oxd_id of setup_client', async () => {
    const oxd = await devOxd({ protectCommands: { socket: true } });
    const s = await session(oxd, 'socket');
    expect((await s.call('get_authorization_url', { oxd_id: s.oxdId })).ok).toBe(true);
  });

  it('links register_site to the client of the token it carries, and rejects a token of another client', async () => {
    const oxd = await devOxd({ protectCommands: { socket: true } });
    const s = await session(oxd, 'socket');
    const other = await session(oxd, 'socket');
    const site = await s.call('register_site', { authorization_redirect_uri: 'https://a/cb' });
    const oxdId = site.data['oxd_id'];
    expect((await s.call('get_authorization_url', { oxd_id: oxdId })).ok).toBe(true);
    expect((await other.call('get_authorization_url', { oxd_id: oxdId })).data['error']).toBe('invalid_protection_access_token');
  });

  it('answers no_setup_client_for_oxd_id for a site registered without a token', async () => {
    const oxd = await devOxd({ protectCommands: { socket: true } });
    const s = await session(oxd, 'socket');
    const call = await caller(oxd, 'socket');
    const site = await call('register_site', { authorization_redirect_uri: 'https://a/cb' });
    const reply = await s.call('get_authorization_url', { oxd_id: site.data['oxd_id'] });
    expect(reply.data['error']).toBe('no_setup_client_for_oxd_id');
  });

  it('sends a space-separated scope string on 3.x and a list on 4.x', async () => {
    const oxd = await devOxd();
    const socket = await session(oxd, 'socket');
    const rest = await session(oxd, 'rest');
    const params = { op_host: oxd.opHost, scope: ['openid', 'oxd'] };
    const three = await socket.call('get_client_token', { client_id: socket.clientId, client_secret: socket.clientSecret, ...params });
    const four = await rest.call('get_client_token', { client_id: rest.clientId, client_secret: rest.clientSecret, ...params });
    expect(three.data).toEqual({ access_token: anyString, expires_in: 3600, refresh_token: anyString, scope: 'openid oxd' });
    expect(four.data).toEqual({ access_token: anyString, expires_in: 3600, refresh_token: anyString, scope: ['openid', 'oxd'] });
  });

  it('answers http_status_401 with the AS body for bad client credentials', async () => {
    const oxd = await devOxd();
    const call = await caller(oxd, 'socket');
    const reply = await call('get_client_token', { client_id: 'x', client_secret: 'y', op_host: oxd.opHost });
    expect(reply.data).toEqual({
      error: 'http_status_401',
      error_description: '{"error":"invalid_client","error_description":"Client authentication failed."}',
      details: null,
    });
  });
});

describe('https-extension Bearer gate', () => {
  const FORBIDDEN = { status: 'error', data: { error: '403', error_description: 'Forbidden Access', details: null } };

  it.each([undefined, 'Bearer ', 'Basic abc', 'bearer abc'])('answers 403 Forbidden Access for authorization %s', async (header) => {
    const oxd = await devOxd();
    const reply = await post(oxd.httpsExtensionUrl ?? '', '/get-authorization-url', { oxd_id: 'x' }, header === undefined ? {} : { authorization: header });
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual(FORBIDDEN);
  });

  it.each(['/setup-client', '/get-client-token'])('lets %s through without a header', async (path) => {
    const oxd = await devOxd();
    const reply = await post(oxd.httpsExtensionUrl ?? '', path, { authorization_redirect_uri: 'https://a/cb', op_host: oxd.opHost });
    expect(reply.status).toBe(path === '/setup-client' ? 200 : 401);
  });

  it('forwards the header token as protection_access_token (checked when protection is on)', async () => {
    const oxd = await devOxd({ protectCommands: { httpsExtension: true } });
    const s = await session(oxd, 'https-extension');
    expect((await s.call('get_authorization_url', { oxd_id: s.oxdId })).ok).toBe(true);
    const reply = await post(oxd.httpsExtensionUrl ?? '', '/get-authorization-url', { oxd_id: s.oxdId }, bearer('nope'));
    expect(reply.json).toMatchObject({ status: 'error', data: { error: 'inactive_protection_access_token' } });
  });
});
