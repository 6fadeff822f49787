/** Site commands and the OpenID Connect commands, signing in through the dev AS's login page. */
import { describe, expect, it } from 'vitest';
import { signIn } from '../helpers/dev-as-pages.js';
import { anyNumber, anyString, caller, containing, devOxd, PROTOCOLS, session, type Session } from './fixture.js';

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
    // 3.x takes one post_logout_redirect_uri, oxd 4.2 a list (post_logout_redirect_uris).
    const logout = protocol === 'rest' ? { post_logout_redirect_uris: ['https://a/bye'] } : { post_logout_redirect_uri: 'https://a/bye' };
    expect((await s.call('update_site', { oxd_id: s.oxdId, ...logout })).data).toEqual({ oxd_id: s.oxdId });
    expect((await s.call('get_logout_uri', { oxd_id: s.oxdId })).data['uri']).toBe(
      `${oxd.opHost}/oxauth/restv1/end_session?post_logout_redirect_uri=${encodeURIComponent('https://a/bye')}`,
    );
    expect((await s.call('remove_site', { oxd_id: s.oxdId })).data).toEqual({ oxd_id: s.oxdId });
    expect((await s.call('remove_site', { oxd_id: s.oxdId })).data['error']).toBe('invalid_oxd_id');
  });
});

describe.each(PROTOCOLS)('OpenID Connect commands over %s', (protocol) => {
  const threeX = protocol !== 'rest';

  async function authorizationUrl(s: Session, params: Record<string, unknown> = {}): Promise<URL> {
    const reply = await s.call('get_authorization_url', { oxd_id: s.oxdId, ...params });
    return new URL(String(reply.data['authorization_url']));
  }

  it('signs a dev user in on the login page and trades the code once for that user\'s tokens', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    const url = await authorizationUrl(s, { scope: ['openid', 'profile'] });
    expect(url.origin).toBe(oxd.restUrl ?? oxd.httpsExtensionUrl);
    expect(url.searchParams.get('scope')).toBe('openid profile');
    expect(url.searchParams.get('redirect_uri')).toBe('https://app.example/cb');
    const back = await signIn(url.href, { username: 'alice' });
    expect(`${back.origin}${back.pathname}`).toBe('https://app.example/cb');
    expect(back.searchParams.get('state')).toBe(url.searchParams.get('state'));
    const code = back.searchParams.get('code') ?? '';
    const state = back.searchParams.get('state') ?? '';

    const tokens = await s.call('get_tokens_by_code', { oxd_id: s.oxdId, code, state });
    expect(tokens.data).toMatchObject({ access_token: anyString, id_token: anyString, refresh_token: anyString, expires_in: 3600 });
    const claims = tokens.data['id_token_claims'] as Record<string, unknown>;
    expect(claims['sub']).toEqual(threeX ? ['alice'] : 'alice');
    expect(claims['nonce']).toEqual(threeX ? [url.searchParams.get('nonce')] : url.searchParams.get('nonce'));
    expect((await s.call('get_tokens_by_code', { oxd_id: s.oxdId, code, state })).data['error']).toBe('bad_request');

    const info = await s.call('get_user_info', { oxd_id: s.oxdId, access_token: tokens.data['access_token'] });
    const userinfo = { sub: 'alice', name: 'Alice Liddell', preferred_username: 'alice', email: 'alice@example.org', email_verified: true };
    // 3.x wraps the claims as lists of strings; 4.x answers the userinfo JSON as it is.
    expect(info.data).toEqual(
      threeX
        ? { claims: Object.fromEntries(Object.entries(userinfo).map(([k, v]) => [k, [String(v)]])), refresh_token: null, access_token: null }
        : userinfo,
    );

    const refreshed = await s.call('get_access_token_by_refresh_token', { oxd_id: s.oxdId, refresh_token: tokens.data['refresh_token'] });
    expect(refreshed.data['scope']).toEqual(threeX ? 'openid profile' : ['openid', 'profile']);
    const again = await s.call('get_user_info', { oxd_id: s.oxdId, access_token: refreshed.data['access_token'] });
    expect(JSON.stringify(again.data)).toContain('alice@example.org');
    const reused = await s.call('get_access_token_by_refresh_token', { oxd_id: s.oxdId, refresh_token: tokens.data['refresh_token'] });
    expect(reused.data['error']).toBe(protocol === 'socket' ? 'http_status_400' : 'invalid_grant');
  });

  it('redirects with error=access_denied and the state when the user cancels', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    const url = await authorizationUrl(s);
    const back = await signIn(url.href, { decision: 'deny' });
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', state: url.searchParams.get('state') });
  });

  it.each([
    { params: (_code: string, state: string) => ({ state }), description: "'code' is empty or not specified." },
    { params: (code: string) => ({ code }), description: "'state' is empty or not specified." },
    { params: (code: string) => ({ code, state: 'other' }), description: "'state' is not registered." },
    { params: (_code: string, state: string) => ({ code: 'made-up', state }), description: "'code' is invalid." },
  ])('rejects get_tokens_by_code: $description', async ({ params, description }) => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    const back = await signIn((await authorizationUrl(s)).href);
    const reply = await s.call('get_tokens_by_code', { oxd_id: s.oxdId, ...params(back.searchParams.get('code') ?? '', back.searchParams.get('state') ?? '') });
    expect(reply.data).toMatchObject({ error: 'bad_request', error_description: description });
  });

  it("refuses a code issued to another site's client", async () => {
    const oxd = await devOxd();
    const mine = await session(oxd, protocol);
    const theirs = await session(oxd, protocol);
    const back = await signIn((await authorizationUrl(theirs)).href);
    const state = new URL((await authorizationUrl(mine)).href).searchParams.get('state') ?? '';
    const reply = await mine.call('get_tokens_by_code', { oxd_id: mine.oxdId, code: back.searchParams.get('code'), state });
    expect(reply.data).toMatchObject({ error: 'bad_request', error_description: "'code' is invalid." });
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
