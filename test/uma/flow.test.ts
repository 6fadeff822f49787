import { describe, expect, it } from 'vitest';
import { DIALECTS, umaSession } from './harness.js';

describe.each(DIALECTS)('the whole UMA flow against the %s dev AS', (dialect) => {
  const session = umaSession();
  it('registers a resource, mints a ticket, trades it for an RPT and introspects the RPT', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    expect(client.dialect).toBe(dialect);
    const id = await client.createResource({ name: '[GET] /photo', resource_scopes: ['read'] });
    expect(await client.listResources()).toEqual([id]);
    const ticket = await client.createPermissionTicket([{ resource_id: id, resource_scopes: ['read'] }]);
    const rpt = await client.getRpt({ ticket });
    expect(rpt.outcome).toBe('granted');
    if (rpt.outcome !== 'granted') return;
    const result = await client.introspectRpt(rpt.access_token);
    expect(result).toMatchObject({ active: true, permissions: [{ resource_id: id, resource_scopes: ['read'] }] });
  });
});
