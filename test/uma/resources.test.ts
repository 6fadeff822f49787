import { describe, expect, it } from 'vitest';
import { DIALECTS, umaRejection, umaSession } from './harness.js';

const photo = { name: '[GET, POST] /photo', type: 'urn:umagate:resource', resource_scopes: ['read', 'write'] };

describe.each(DIALECTS)('resource registration at the %s dev AS', (dialect) => {
  const session = umaSession();

  it('creates, lists, reads, replaces and deletes a resource', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const id = await client.createResource(photo);
    expect(await client.listResources()).toEqual([id]);
    expect(await client.getResource(id)).toMatchObject({ _id: id, name: photo.name, resource_scopes: ['read', 'write'] });
    await client.updateResource(id, { ...photo, resource_scopes: ['read'] });
    expect((await client.getResource(id)).resource_scopes).toEqual(['read']);
    await client.deleteResource(id);
    expect(await client.listResources()).toEqual([]);
    const err = await umaRejection(client.getResource(id));
    expect(err.code).toBe('invalid_resource_id');
  });

  it.each(['update', 'delete'] as const)('reports a resource that is gone on %s as invalid_resource_id', async (operation) => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const call = operation === 'update' ? client.updateResource('no-such-id', photo) : client.deleteResource('no-such-id');
    const err = await umaRejection(call);
    expect(err.code).toBe('invalid_resource_id');
    expect(err.message).toMatch(/register it again/);
  });

  it('finds a resource by its exact name, not a name it merely contains', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    await client.createResource({ ...photo, name: '[GET] /photo/album' });
    const id = await client.createResource(photo);
    expect(await client.findResourceIdByName(photo.name)).toBe(id);
    expect(await client.findResourceIdByName('[GET] /photo')).toBeUndefined();
  });

  it('sends Janssen its resource expiry far in the future, and no Janssen extension elsewhere', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    await client.createResource({ ...photo, scope_expression: '{"rule":{"or":[{"var":0}]},"data":["read"]}' });
    const [stored] = as.resources();
    const body = as.calls.find((c) => c.endpoint === 'resource_registration' && c.method === 'POST')?.body as Record<string, unknown>;
    if (dialect === 'janssen') {
      const tenYears = 10 * 365 * 24 * 3600;
      expect(stored?.exp).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + tenYears - 60);
      expect(stored?.scopeExpression).toContain('"rule"');
    } else {
      expect(Object.keys(body)).not.toContain('exp');
      expect(Object.keys(body)).not.toContain('scope_expression');
    }
  });

  it('names a switched-off remote resource management and how to turn it on', async () => {
    const { as, rs } = await session.start(dialect);
    as.setRemoteResourceManagement(false);
    const client = await session.connect(as, rs);
    const err = await umaRejection(client.createResource(photo));
    expect(err.code).toBe('remote_resource_management_disabled');
    expect(err.message).toMatch(/turn on "Remote Resource Management"/);
  });
});

describe('Keycloak specifics', () => {
  const session = umaSession();

  it('reports a duplicate name as resource_conflict, whose id findResourceIdByName recovers', async () => {
    const { as, rs } = await session.start('keycloak');
    const client = await session.connect(as, rs);
    const id = await client.createResource(photo);
    const err = await umaRejection(client.createResource(photo));
    expect(err).toMatchObject({ code: 'resource_conflict', status: 409 });
    expect(await client.findResourceIdByName(photo.name)).toBe(id);
  });

  it('pages through a list longer than one page', async () => {
    const { as, rs } = await session.start('keycloak');
    const client = await session.connect(as, rs);
    const ids: string[] = [];
    for (let i = 0; i < 130; i += 1) ids.push(await client.createResource({ name: `r${i}`, resource_scopes: ['read'] }));
    const before = as.count('resource_registration', 'GET');
    expect(await client.listResources()).toEqual(ids);
    expect(as.count('resource_registration', 'GET') - before).toBe(2);
  });
});

describe('Janssen specifics', () => {
  const session = umaSession();

  it('registers duplicate names without complaint (no name uniqueness there)', async () => {
    const { as, rs } = await session.start('janssen');
    const client = await session.connect(as, rs);
    const first = await client.createResource(photo);
    const second = await client.createResource(photo);
    expect(first).not.toBe(second);
    expect(await client.findResourceIdByName(photo.name)).toBe(first);
  });
});

describe.each(DIALECTS)('permission tickets at the %s dev AS', (dialect) => {
  const session = umaSession();

  it(`sends one permission ${dialect === 'janssen' ? 'as a single object' : 'as a list'}, several as a list`, async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const a = await client.createResource({ name: 'a', resource_scopes: ['read'] });
    const b = await client.createResource({ name: 'b', resource_scopes: ['read'] });
    await client.createPermissionTicket([{ resource_id: a, resource_scopes: ['read'] }]);
    await client.createPermissionTicket([
      { resource_id: a, resource_scopes: ['read'] },
      { resource_id: b, resource_scopes: [] },
    ]);
    const bodies = as.calls.filter((c) => c.endpoint === 'permission').map((c) => c.body);
    expect(Array.isArray(bodies[0])).toBe(dialect !== 'janssen');
    expect(bodies[1]).toHaveLength(2);
  });

  it('gives a fresh ticket each time (tickets are never reused)', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const id = await client.createResource({ name: 'a', resource_scopes: ['read'] });
    const request = [{ resource_id: id, resource_scopes: ['read'] }];
    expect(await client.createPermissionTicket(request)).not.toBe(await client.createPermissionTicket(request));
  });

  it.each([
    { what: 'an unknown resource', resource: 'gone', scopes: ['read'], code: 'invalid_resource_id' },
    { what: 'an unregistered scope', resource: undefined, scopes: ['delete'], code: 'invalid_scope' },
  ])('refuses $what with $code', async ({ resource, scopes, code }) => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const id = await client.createResource({ name: 'a', resource_scopes: ['read'] });
    const err = await umaRejection(client.createPermissionTicket([{ resource_id: resource ?? id, resource_scopes: scopes }]));
    expect(err.code).toBe(code);
  });

  it('refuses an empty request before calling the AS', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const err = await umaRejection(client.createPermissionTicket([]));
    expect(err.code).toBe('invalid_argument');
    expect(as.count('permission')).toBe(0);
  });
});
