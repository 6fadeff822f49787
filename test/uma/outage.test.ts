import { describe, expect, it } from 'vitest';
import { isUmaTransportError } from '../../src/uma/index.js';
import { DIALECTS, umaRejection, umaSession } from './harness.js';

describe.each(DIALECTS)('the %s dev AS failing', (dialect) => {
  const session = umaSession();

  it('reports a stopped AS as as_unreachable, and works again once it is back', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    await as.stop();
    const err = await umaRejection(client.getPat());
    expect(err.code).toBe('as_unreachable');
    expect(isUmaTransportError(err)).toBe(true);
    await umaRejection(client.probe());
    await as.start();
    await client.probe();
    expect(await client.getPat()).toEqual(expect.any(String));
  });

  it('reports an AS slower than the deadline as as_timeout', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs, { timeoutMs: 100 });
    as.faults.add({ endpoint: 'token', fault: { kind: 'delay', ms: 1000 }, times: 1 });
    const err = await umaRejection(client.getPat());
    expect(err).toMatchObject({ code: 'as_timeout', endpoint: 'token' });
  });

  it.each([
    { what: 'HTTP 500', fault: { kind: 'answer', status: 500, body: { error: 'server_error' } } as const, message: /failed a PAT with HTTP 500 server_error/ },
    { what: 'text that is not JSON', fault: { kind: 'garbage' } as const, message: /not JSON/ },
    { what: 'an HTML page', fault: { kind: 'html' } as const, message: /HTML page/ },
    { what: 'a dropped connection', fault: { kind: 'refuse' } as const, message: /cannot reach the AS/ },
  ])('reports $what from the token endpoint as a transport failure', async ({ fault, message }) => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    as.faults.add({ endpoint: 'token', fault, times: 1 });
    const err = await umaRejection(client.getPat());
    expect(isUmaTransportError(err)).toBe(true);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(rs.clientSecret);
  });

  it('reports a 500 from the permission endpoint as as_bad_response, keeping the status', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const id = await client.createResource({ name: 'a', resource_scopes: ['read'] });
    as.faults.add({ endpoint: 'permission', fault: { kind: 'answer', status: 500, body: { error: 'server_error' } } });
    const err = await umaRejection(client.createPermissionTicket([{ resource_id: id, resource_scopes: ['read'] }]));
    expect(err).toMatchObject({ code: 'as_bad_response', status: 500, endpoint: 'permission' });
  });

  it('rejects every call after close with as_unreachable', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    await client.close();
    expect((await umaRejection(client.getPat())).code).toBe('as_unreachable');
  });
});

describe('Keycloak answer shapes', () => {
  const session = umaSession();

  it("reads Keycloak's access_denied/request_submitted as request_submitted", async () => {
    const { as, rs } = await session.start('keycloak');
    const client = await session.connect(as, rs);
    as.faults.add({ endpoint: 'token', fault: { kind: 'answer', status: 403, body: { error: 'access_denied', error_description: 'request_submitted' } } });
    expect(await client.getRpt({ ticket: 't' })).toEqual({ outcome: 'request_submitted' });
  });

  it('reads introspected permissions named rsid/scopes, and a resource-level one without scopes', async () => {
    const { as, rs } = await session.start('keycloak');
    const client = await session.connect(as, rs);
    const body = { active: true, exp: 2_000_000_000, permissions: [{ rsid: 'r1', rsname: 'a', scopes: ['read'] }, { rsid: 'r2' }, { no: 'id' }] };
    as.faults.add({ endpoint: 'introspection', fault: { kind: 'answer', status: 200, body } });
    expect(await client.introspectRpt('x')).toEqual({
      active: true,
      exp: 2_000_000_000,
      permissions: [
        { resource_id: 'r1', resource_scopes: ['read'] },
        { resource_id: 'r2', resource_scopes: [] },
      ],
    });
  });

  it('answers an introspection without active as as_bad_response', async () => {
    const { as, rs } = await session.start('keycloak');
    const client = await session.connect(as, rs);
    as.faults.add({ endpoint: 'introspection', fault: { kind: 'answer', status: 200, body: { permissions: [] } } });
    expect((await umaRejection(client.introspectRpt('x'))).code).toBe('as_bad_response');
  });
});
