/** uma_rs_check_access and the UMA grant flow, against docs/oxd-protocols.md (*uma_rs_check_access*, *uma_rp_get_rpt*), on every protocol. */
import { describe, expect, it } from 'vitest';
import { devOxd, like, PHOTO, PROTOCOLS, session } from './fixture.js';

const NOT_PROTECTED = (path: string, method: string): string =>
  `Resource is not protected with path: ${path} and httpMethod: ${method}. Please protect your resource first with uma_rs_protect command. Check details on https://gluu.org/docs/oxd`;

describe.each(PROTOCOLS)('uma_rs_check_access over %s', (protocol) => {
  it.each([
    { path: '/photo', method: 'GET', protectedHere: true },
    { path: '/PHOTO', method: 'get', protectedHere: true },
    { path: '/photo/', method: 'GET', protectedHere: false },
    { path: '/photo/1', method: 'GET', protectedHere: false },
    { path: '/photo?x=1', method: 'GET', protectedHere: false },
    { path: '/photo', method: 'POST', protectedHere: false },
  ])('matches $method $path exactly and case-insensitively (protected: $protectedHere)', async ({ path, method, protectedHere }) => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] });
    const reply = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path, http_method: method });
    if (protectedHere) {
      expect(reply.ok).toBe(true);
      expect(reply.data['access']).toBe('denied');
    } else {
      expect(reply.status).toBe(protocol === 'rest' ? 400 : 200);
      expect(reply.data).toMatchObject({ error: 'invalid_request', error_description: NOT_PROTECTED(path, method) });
    }
  });

  it('denies with a fresh ticket and the exact WWW-Authenticate header', async () => {
    const oxd = await devOxd({ opHost: 'https://op.example.com' });
    const s = await session(oxd, protocol);
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] });
    const first = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/photo', http_method: 'GET' });
    const second = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: null, path: '/photo', http_method: 'GET' });
    const ticket = String(first.data['ticket']);
    expect(first.data).toEqual({
      access: 'denied',
      'www-authenticate_header': `UMA realm="rs",as_uri="https://op.example.com",error="insufficient_scope",ticket="${ticket}"`,
      ticket,
    });
    expect(second.data['ticket']).not.toBe(ticket);
  });

  it('grants after the ticket is traded for an RPT (protect → check → get_rpt → check)', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] });
    const denied = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/photo', http_method: 'GET' });
    const rpt = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: denied.data['ticket'] });
    expect(rpt.data).toMatchObject({ token_type: 'Bearer', updated: false });
    const granted = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: rpt.data['access_token'], path: '/photo', http_method: 'GET' });
    // 3.x writes the null fields; 4.x omits them.
    expect(granted.data).toEqual(
      protocol === 'rest' ? { access: 'granted' } : { access: 'granted', 'www-authenticate_header': null, ticket: null },
    );
  });

  it('denies an RPT whose permission is for another resource', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    const resources = [PHOTO, { path: '/album', conditions: [{ httpMethods: ['GET'], scopes: ['view'] }] }];
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources });
    const denied = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/album', http_method: 'GET' });
    const rpt = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: denied.data['ticket'] });
    const photo = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: rpt.data['access_token'], path: '/photo', http_method: 'GET' });
    expect(photo.data['access']).toBe('denied');
  });

  it.each([
    { missing: 'oxd_id', error: 'bad_request' },
    { missing: 'http_method', error: 'invalid_http_method' },
    { missing: 'path', error: 'invalid_path_parameter' },
  ])('answers $error when $missing is missing', async ({ missing, error }) => {
    const oxd = await devOxd({ protectCommands: { rest: false } });
    const s = await session(oxd, protocol);
    const params: Record<string, unknown> = { oxd_id: s.oxdId, rpt: '', path: '/photo', http_method: 'GET' };
    params[missing] = '';
    const reply = await s.call('uma_rs_check_access', params);
    expect(reply.ok).toBe(false);
    expect(reply.data['error']).toBe(error);
  });

  it('answers invalid_oxd_id for an unknown oxd_id', async () => {
    const oxd = await devOxd({ protectCommands: { rest: false } });
    const s = await session(oxd, protocol);
    const reply = await s.call('uma_rs_check_access', { oxd_id: 'nope', rpt: '', path: '/photo', http_method: 'GET' });
    expect(reply.data['error']).toBe('invalid_oxd_id');
  });
});

describe('which registration check_access uses', () => {
  it('lets the last registration of a path and method win', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'socket');
    const resources = [
      { path: '/a', conditions: [{ httpMethods: ['GET'], scopes: ['first'] }] },
      { path: '/A', conditions: [{ httpMethods: ['get'], scopes: ['second'] }] },
    ];
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources });
    const denied = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/a', http_method: 'GET' });
    const rpt = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: denied.data['ticket'] });
    const introspection = await s.call('introspect_rpt', { oxd_id: s.oxdId, rpt: rpt.data['access_token'] });
    const rp = await s.call('get_rp', { oxd_id: s.oxdId });
    const registered = (rp.data['node'] as { uma_protected_resources: { id: string; scopes: string[] }[] }).uma_protected_resources;
    const second = registered.find((r) => r.scopes.includes('second'));
    expect(introspection.data['permissions']).toEqual([like({ resource_id: second?.id, resource_scopes: ['second'] })]);
  });

  it.each([
    { name: 'scopes', condition: { httpMethods: ['GET'], scopes: ['a', 'b'], ticketScopes: ['b'] }, ticketScopes: ['b'] },
    { name: 'no ticketScopes', condition: { httpMethods: ['GET'], scopes: ['a', 'b'] }, ticketScopes: ['a', 'b'] },
    {
      name: 'a scope expression',
      condition: { httpMethods: ['GET'], scope_expression: { rule: { or: [{ var: 0 }, { var: 1 }] }, data: ['x', 'y'] } },
      ticketScopes: ['x', 'y'],
    },
  ])('puts the right ticket scopes in the ticket with $name, and grants on any one required scope', async ({ condition, ticketScopes }) => {
    const oxd = await devOxd();
    const s = await session(oxd, 'socket');
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [{ path: '/r', conditions: [condition] }] });
    const denied = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/r', http_method: 'GET' });
    const rpt = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: denied.data['ticket'] });
    const introspection = await s.call('introspect_rpt', { oxd_id: s.oxdId, rpt: rpt.data['access_token'] });
    expect(introspection.data['permissions']).toEqual([like({ resource_scopes: ticketScopes })]);
    const granted = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: rpt.data['access_token'], path: '/r', http_method: 'GET' });
    expect(granted.data['access']).toBe('granted');
  });

  it('uses the 4.x scopes parameter as the required scopes', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] });
    const denied = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/photo', http_method: 'GET' });
    const rpt = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: denied.data['ticket'] });
    const params = { oxd_id: s.oxdId, rpt: rpt.data['access_token'], path: '/photo', http_method: 'GET' };
    expect((await s.call('uma_rs_check_access', params)).data['access']).toBe('granted');
    expect((await s.call('uma_rs_check_access', { ...params, scopes: ['edit'] })).data['access']).toBe('denied');
  });

  it('denies an expired RPT (injected clock)', async () => {
    let now = 1_700_000_000_000;
    const oxd = await devOxd({ now: () => now, rptLifetimeSeconds: 60 });
    const s = await session(oxd, 'socket');
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] });
    const denied = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/photo', http_method: 'GET' });
    const rpt = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: denied.data['ticket'] });
    const params = { oxd_id: s.oxdId, rpt: rpt.data['access_token'], path: '/photo', http_method: 'GET' };
    now += 59_000;
    expect((await s.call('uma_rs_check_access', params)).data['access']).toBe('granted');
    now += 1_000;
    expect((await s.call('uma_rs_check_access', params)).data['access']).toBe('denied');
  });
});
