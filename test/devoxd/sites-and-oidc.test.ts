/** Site commands and the OpenID Connect commands, with the dev AS's deterministic code scheme. */
import { describe, expect, it } from 'vitest';
import { anyNumber, anyString, caller, containing, devOxd, PROTOCOLS, session } from './fixture.js';

describe('site registration', () => {
  it('answers setup_client with both clients (3.x)', async () => {
    const oxd = await devOxd();
    const call = await caller(oxd, 'socket');
    const reply = await call('setup_client', { authorization_redirect_uri: 'https://a/cb' });
    expect(Object.keys(reply.data).sort()).toEqual(
      [
        'client_id',
        'client_id_issued_at',
        'client_id_of_oxd_id',
        'client_registration_access_token',
        'client_registration_client_uri',
        'client_secret',
        'client_secret_expires_at',
        'op_host',
        'oxd_id',
        'setup_client_oxd_id',
      ].sort(),
    );
    expect(reply.data['client_id']).not.toBe(reply.data['client_id_of_oxd_id']);
    expect(reply.data['oxd_id']).not.toBe(reply.data['setup_client_oxd_id']);
  });

  it('answers register_site with oxd_id and op_host on 3.x and the client credentials on 4.x', async () => {
    const oxd = await devOxd({ opHost: 'https://op.example.com' });
    const three = await (await caller(oxd, 'socket'))('register_site', { authorization_redirect_uri: 'https://a/cb' });
    expect(three.data).toEqual({ oxd_id: anyString, op_host: 'https://op.example.com' });
    const four = await (await caller(oxd, 'rest'))('register_site', { redirect_uris: ['https://a/cb'], client_name: 'demo' });
    expect(four.data).toEqual({
      oxd_id: anyString,
      op_host: 'https://op.example.com',
      client_id: anyString,
      client_name: 'demo',
      client_secret: anyString,
      client_registration_access_token: anyString,
      client_registration_client_uri: containing('https://op.example.com/'),
      client_id_issued_at: anyNumber,
      client_secret_expires_at: 0,
    });
  });

  it.each(PROTOCOLS)('uses pre-registered credentials as sent (%s)', async (protocol) => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    const reply = await s.call('register_site', { authorization_redirect_uri: 'https://a/cb', redirect_uris: ['https://a/cb'], client_id: 'my-client', client_secret: 'my-secret' });
    expect(reply.ok).toBe(true);
    const token = await s.call('get_client_token', { client_id: 'my-client', client_secret: 'my-secret', op_host: oxd.opHost });
    expect(token.ok).toBe(true);
  });

  it.each([
    { params: { redirect_uris: ['https://a/cb'], client_id: 'id' }, error: 'invalid_client_secret' },
    { params: { redirect_uris: ['https://a/cb'], client_secret: 'secret' }, error: 'invalid_client_id' },
    { params: {}, error: 'invalid_redirect_uri' },
  ])('rejects 4.x register_site with $error', async ({ params, error }) => {
    const oxd = await devOxd();
    const reply = await (await caller(oxd, 'rest'))('register_site', params);
    expect(reply).toMatchObject({ status: 400, data: { error } });
  });

  it('rejects 3.x register_site without authorization_redirect_uri', async () => {
    const oxd = await devOxd();
    const reply = await (await caller(oxd, 'socket'))('register_site', {});
    expect(reply.data['error']).toBe('invalid_authorization_redirect_uri');
  });

  it.each(PROTOCOLS)('updates and removes a site (%s)', async (protocol) => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    expect((await s.call('update_site', { oxd_id: s.oxdId, post_logout_redirect_uri: 'https://a/bye' })).data).toEqual({ oxd_id: s.oxdId });
    expect((await s.call('get_logout_uri', { oxd_id: s.oxdId })).data['uri']).toBe(
      `${oxd.opHost}/oxauth/restv1/end_session?post_logout_redirect_uri=${encodeURIComponent('https://a/bye')}`,
    );
    expect((await s.call('remove_site', { oxd_id: s.oxdId })).data).toEqual({ oxd_id: s.oxdId });
    expect((await s.call('remove_site', { oxd_id: s.oxdId })).data['error']).toBe('invalid_oxd_id');
  });
});

describe.each(PROTOCOLS)('OpenID Connect commands over %s', (protocol) => {
  const threeX = protocol !== 'rest';

  it('trades dev-code-N for tokens once, with the state of the Nth authorization URL', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    const url = new URL(String((await s.call('get_authorization_url', { oxd_id: s.oxdId, scope: ['openid', 'profile'] })).data['authorization_url']));
    expect(url.searchParams.get('state')).toBe('dev-state-1');
    expect(url.searchParams.get('scope')).toBe('openid profile');
    const tokens = await s.call('get_tokens_by_code', { oxd_id: s.oxdId, code: 'dev-code-1', state: 'dev-state-1' });
    expect(tokens.data).toMatchObject({ access_token: anyString, id_token: anyString, refresh_token: anyString, expires_in: 3600 });
    const claims = tokens.data['id_token_claims'] as Record<string, unknown>;
    expect(claims['sub']).toEqual(threeX ? ['dev-user'] : 'dev-user');
    expect(claims['nonce']).toEqual(threeX ? ['dev-nonce-1'] : 'dev-nonce-1');
    expect((await s.call('get_tokens_by_code', { oxd_id: s.oxdId, code: 'dev-code-1', state: 'dev-state-1' })).data['error']).toBe('bad_request');

    const info = await s.call('get_user_info', { oxd_id: s.oxdId, access_token: tokens.data['access_token'] });
    expect((info.data['claims'] as Record<string, unknown>)['email']).toEqual(threeX ? ['dev-user@example.org'] : 'dev-user@example.org');

    const refreshed = await s.call('get_access_token_by_refresh_token', { oxd_id: s.oxdId, refresh_token: tokens.data['refresh_token'] });
    expect(refreshed.data['scope']).toEqual(threeX ? 'openid profile' : ['openid', 'profile']);
    const reused = await s.call('get_access_token_by_refresh_token', { oxd_id: s.oxdId, refresh_token: tokens.data['refresh_token'] });
    expect(reused.data['error']).toBe(protocol === 'socket' ? 'http_status_400' : 'invalid_grant');
  });

  it.each([
    { params: { state: 'dev-state-1' }, description: "'code' is empty or not specified." },
    { params: { code: 'dev-code-1' }, description: "'state' is empty or not specified." },
    { params: { code: 'dev-code-1', state: 'other' }, description: "'state' is not registered." },
    { params: { code: 'dev-code-2', state: 'dev-state-1' }, description: "'code' is invalid." },
  ])('rejects get_tokens_by_code: $description', async ({ params, description }) => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    await s.call('get_authorization_url', { oxd_id: s.oxdId });
    const reply = await s.call('get_tokens_by_code', { oxd_id: s.oxdId, ...params });
    expect(reply.data).toMatchObject({ error: 'bad_request', error_description: description });
  });

  it('introspects access tokens', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    const active = await s.call('introspect_access_token', { oxd_id: s.oxdId, access_token: s.token });
    expect(active.data).toMatchObject({ active: true, client_id: s.clientId, scope: threeX ? 'openid oxd' : ['openid', 'oxd'], scopes: ['openid', 'oxd'] });
    const inactive = await s.call('introspect_access_token', { oxd_id: s.oxdId, access_token: 'nope' });
    expect(inactive.data).toEqual({ active: false });
  });
});
