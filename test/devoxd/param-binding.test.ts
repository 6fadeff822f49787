/**
 * Parameters are bound as real oxd binds them (3.1.4 params classes on the socket and the
 * https-extension, 4.2.0 on REST): a value of the wrong JSON type fails the whole command, even
 * for a parameter the operation never reads; unknown keys are ignored; Jackson's scalar
 * coercions (a number for a String, "true" for a Boolean) are accepted.
 */
import { describe, expect, it } from 'vitest';
import { devOxd, PROTOCOLS, session, type Protocol, type Session } from './fixture.js';
import { post } from './wire.js';

const MALFORMED_3 = {
  error: 'internal_error',
  error_description: 'Command parameters are not specified or otherwise malformed.',
  details: null,
};

/** `ok`, `malformed` (that protocol's refusal to bind the params), or oxd's error code. */
async function outcome(s: Session, protocol: Protocol, command: string, params: Record<string, unknown>): Promise<string> {
  const reply = await s.call(command, params);
  if (reply.ok) return 'ok';
  if (protocol === 'socket') return JSON.stringify(reply.data) === JSON.stringify(MALFORMED_3) ? 'malformed' : String(reply.data['error']);
  const text = reply.data['text'];
  return reply.status === 400 && typeof text === 'string' && text.startsWith('Invalid parameters. Message: ') ? 'malformed' : String(reply.data['error']);
}

describe.each(PROTOCOLS)('parameter binding over %s', (protocol) => {
  const rest = protocol === 'rest';
  const registration = rest ? { redirect_uris: ['https://app.example/cb'] } : { authorization_redirect_uri: 'https://app.example/cb' };

  it.each([
    // oxd-python sends client_sector_identifier_uri as a list; every oxd declares a String.
    { name: 'a list for the String client_sector_identifier_uri', params: { client_sector_identifier_uri: ['https://app.example/s.json'] }, expected: 'malformed' },
    { name: 'an object for the List<String> contacts', params: { contacts: { a: 'b' } }, expected: 'malformed' },
    { name: 'a bare string for the List<String> scope', params: { scope: 'openid' }, expected: 'malformed' },
    { name: 'a number for the String client_name (Jackson takes its text)', params: { client_name: 42 }, expected: 'ok' },
    { name: 'an unknown key of any shape', params: { not_an_oxd_param: { deep: [1] } }, expected: 'ok' },
  ])('register_site with $name: $expected', async ({ params, expected }) => {
    const s = await session(await devOxd(), protocol);
    expect(await outcome(s, protocol, 'register_site', { ...registration, ...params })).toBe(expected);
  });

  it.each([
    { name: 'a list for the String http_method', command: 'uma_rs_check_access', params: { rpt: '', path: '/p', http_method: ['GET'] } },
    { name: 'an object for the String rpt of introspect_rpt', command: 'introspect_rpt', params: { rpt: { a: 1 } } },
    { name: 'a string for List<String> httpMethods inside resources', command: 'uma_rs_protect', params: { resources: [{ path: '/p', conditions: [{ httpMethods: 'GET' }] }] } },
    { name: 'an object for the Boolean overwrite', command: 'uma_rs_protect', params: { resources: [{ path: '/p', conditions: [{ httpMethods: ['GET'], scopes: ['s'] }] }], overwrite: {} } },
    { name: 'a list of objects for Map<String, String> custom_parameters', command: 'get_authorization_url', params: { custom_parameters: { k: [{}] } } },
    { name: 'a list for the never-read String session_state', command: 'get_logout_uri', params: { session_state: ['x'] } },
    { name: 'a list for the String claim_token_format', command: 'uma_rp_get_rpt', params: { ticket: 't', claim_token_format: [] } },
  ])('refuses $name as malformed', async ({ command, params }) => {
    const s = await session(await devOxd(), protocol);
    expect(await outcome(s, protocol, command, { oxd_id: s.oxdId, ...params })).toBe('malformed');
  });

  it('accepts "true" for the Boolean overwrite, as Jackson does', async () => {
    const s = await session(await devOxd(), protocol);
    const resources = [{ path: '/p', conditions: [{ httpMethods: ['GET'], scopes: ['s'] }] }];
    expect(await outcome(s, protocol, 'uma_rs_protect', { oxd_id: s.oxdId, resources })).toBe('ok');
    expect(await outcome(s, protocol, 'uma_rs_protect', { oxd_id: s.oxdId, resources, overwrite: 'true' })).toBe('ok');
  });

  it('binds the parameters of its own version only: 4.2-only keys are unknown to 3.1.4', async () => {
    const s = await session(await devOxd(), protocol);
    // oxd 4.2 declares id_token (String) for get_user_info and iat (Integer) per resource.
    const userinfo = await outcome(s, protocol, 'get_user_info', { oxd_id: s.oxdId, access_token: s.token, id_token: { x: 1 } });
    expect(userinfo).toBe(rest ? 'malformed' : 'ok');
    const resources = [{ path: '/p', iat: 'soon', conditions: [{ httpMethods: ['GET'], scopes: ['s'] }] }];
    expect(await outcome(s, protocol, 'uma_rs_protect', { oxd_id: s.oxdId, resources })).toBe(rest ? 'malformed' : 'ok');
  });
});

describe('the malformed answer per protocol', () => {
  it('is the 400 text "Invalid parameters" over HTTP, naming the parameter and its type', async () => {
    const oxd = await devOxd();
    for (const base of [oxd.restUrl ?? '', oxd.httpsExtensionUrl ?? '']) {
      const reply = await post(base, '/register-site', { authorization_redirect_uri: 'https://a/cb', client_sector_identifier_uri: ['x'] }, { authorization: 'Bearer t' });
      expect(reply.status).toBe(400);
      expect(reply.text).toBe('Invalid parameters. Message: client_sector_identifier_uri cannot be read as String');
    }
  });
});
