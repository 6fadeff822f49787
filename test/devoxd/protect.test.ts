/** uma_rs_protect validation and overwrite semantics (docs/oxd-protocols.md, *uma_rs_protect*), and what get_rp shows. */
import { describe, expect, it } from 'vitest';
import { anyString, devOxd, PHOTO, PROTOCOLS, session } from './fixture.js';

const EXPRESSION = { rule: { and: [{ or: [{ var: 0 }, { var: 1 }] }, { var: 2 }] }, data: ['all', 'add', 'internal'] };

describe.each(PROTOCOLS)('uma_rs_protect over %s', (protocol) => {
  const threeX = protocol !== 'rest';

  it.each([
    { name: 'no resources', resources: [], error: 'invalid_uma_request' },
    {
      name: 'a method twice for one path, across entries',
      resources: [
        { path: '/p', conditions: [{ httpMethods: ['GET'], scopes: ['a'] }] },
        { path: '/p', conditions: [{ httpMethods: ['POST', 'GET'], scopes: ['b'] }] },
      ],
      error: 'http_method_not_unique',
    },
    {
      name: 'a scope expression without data',
      resources: [{ path: '/p', conditions: [{ httpMethods: ['GET'], scope_expression: { rule: { var: 0 }, data: [] } }] }],
      error: threeX ? 'invalid_scope_expressioin' : 'invalid_scope_expression',
    },
  ])('rejects $name', async ({ resources, error }) => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    const reply = await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources });
    expect(reply.ok).toBe(false);
    expect(reply.status).toBe(threeX ? 200 : 400);
    expect(reply.data['error']).toBe(error);
  });

  it('answers uma_protection_exists on a second protect, and replaces everything with overwrite', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    expect((await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO] })).data).toEqual({ oxd_id: s.oxdId });
    const again = await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [PHOTO], overwrite: false });
    expect(again.data['error']).toBe('uma_protection_exists');
    const album = { path: '/album', conditions: [{ httpMethods: ['GET'], scopes: ['view'] }] };
    expect((await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [album], overwrite: true })).ok).toBe(true);
    const photo = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/photo', http_method: 'GET' });
    expect(photo.data['error']).toBe('invalid_request');
  });

  it('lists one AS resource per condition in get_rp', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, protocol);
    if (protocol === 'https-extension') return; // the extension does not expose get_rp
    const resources = [
      {
        path: '/photo',
        conditions: [
          { httpMethods: ['GET'], scopes: ['view'] },
          { httpMethods: ['PUT', 'POST'], scopes: ['all', 'add'], ticketScopes: ['add'] },
          { httpMethods: ['DELETE'], scope_expression: EXPRESSION },
        ],
      },
    ];
    await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources });
    const rp = await s.call('get_rp', { oxd_id: s.oxdId });
    const node = rp.data['node'] as { oxd_id: string; uma_protected_resources: unknown[] };
    expect(node.oxd_id).toBe(s.oxdId);
    expect(node.uma_protected_resources).toEqual([
      { id: anyString, path: '/photo', http_methods: ['GET'], scopes: ['view'], scope_expressions: [], ticketScopes: ['view'] },
      { id: anyString, path: '/photo', http_methods: ['PUT', 'POST'], scopes: ['all', 'add'], scope_expressions: [], ticketScopes: ['add'] },
      {
        id: anyString,
        path: '/photo',
        http_methods: ['DELETE'],
        scopes: [],
        scope_expressions: [JSON.stringify(EXPRESSION)],
        ticketScopes: ['all', 'add', 'internal'],
      },
    ]);
  });
});

describe('uma_rs_protect details', () => {
  it('evaluates scope expressions on 4.x only (the result must be one of the data scopes)', async () => {
    const oxd = await devOxd();
    const condition = { httpMethods: ['GET'], scope_expression: { rule: { '==': [1, 1] }, data: ['a'] } };
    const rest = await session(oxd, 'rest');
    const socket = await session(oxd, 'socket');
    expect((await rest.call('uma_rs_protect', { oxd_id: rest.oxdId, resources: [{ path: '/p', conditions: [condition] }] })).data['error']).toBe(
      'invalid_scope_expression',
    );
    expect((await socket.call('uma_rs_protect', { oxd_id: socket.oxdId, resources: [{ path: '/p', conditions: [condition] }] })).ok).toBe(true);
  });

  it('answers malformed parameters for a resource without conditions (socket)', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'socket');
    const reply = await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: [{ path: '/p' }] });
    expect(reply.data).toEqual({
      error: 'internal_error',
      error_description: 'Command parameters are not specified or otherwise malformed.',
      details: null,
    });
  });

  it('checks the oxd_id before the resources and the site after them', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'socket');
    expect((await s.call('uma_rs_protect', { oxd_id: '', resources: [] })).data['error']).toBe('bad_request');
    expect((await s.call('uma_rs_protect', { oxd_id: 'unknown', resources: [] })).data['error']).toBe('invalid_uma_request');
    expect((await s.call('uma_rs_protect', { oxd_id: 'unknown', resources: [PHOTO] })).data['error']).toBe('invalid_oxd_id');
  });
});
