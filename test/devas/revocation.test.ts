/**
 * The dev AS revokes tokens as a real one does: through its RFC 7009 revocation endpoint (named in
 * discovery, client-authenticated) or by an administrator for a whole client. A revoked PAT is
 * refused by the protection API with 401 `invalid_token`; a revoked RPT introspects as inactive.
 */
import { describe, expect, it } from 'vitest';
import { UMA_TICKET_GRANT, type DevAsOptions } from '../../src/devas/index.js';
import { basic, DIALECTS, discovery, form, postJson, start, type Answer } from './fixture.js';

/** A resource server with a PAT and one resource, and a requesting party holding an RPT for it. */
async function setUp(options: DevAsOptions) {
  const as = await start(options);
  const doc = await discovery(as);
  const endpoint = (name: string): string => {
    const url = doc[name];
    if (url === undefined) throw new Error(`discovery names no ${name}`);
    return url;
  };
  const rs = as.createClient({ clientId: 'rs', clientSecret: 'rs-secret' });
  const rp = as.createClient({ clientId: 'rp', clientSecret: 'rp-secret' });
  const rsAuth = basic(rs.clientId, rs.clientSecret);
  const rpAuth = basic(rp.clientId, rp.clientSecret);
  const scope = as.dialect === 'keycloak' ? {} : { scope: 'uma_protection' };
  const newPat = async (): Promise<string> =>
    String((await form(endpoint('token_endpoint'), { grant_type: 'client_credentials', ...scope }, rsAuth)).body.access_token);
  const pat = await newPat();
  const created = await postJson(endpoint('resource_registration_endpoint'), { name: 'photo', resource_scopes: ['read'] }, pat);
  const resourceId = String(created.body._id);
  const ticket = await postJson(endpoint('permission_endpoint'), [{ resource_id: resourceId, resource_scopes: ['read'] }], pat);
  const rpt = String((await form(endpoint('token_endpoint'), { grant_type: UMA_TICKET_GRANT, ticket: String(ticket.body.ticket) }, rpAuth)).body.access_token);
  /** A protection API call with this PAT: asks for a ticket. */
  const protectionCall = (bearer: string): Promise<Answer> =>
    postJson(endpoint('permission_endpoint'), [{ resource_id: resourceId, resource_scopes: ['read'] }], bearer);
  /** Introspection as the resource server does it in this dialect (Keycloak: client auth and the RPT hint). */
  const introspect = async (token: string): Promise<Answer> =>
    as.dialect === 'keycloak'
      ? form(endpoint('introspection_endpoint'), { token, token_type_hint: 'requesting_party_token' }, rsAuth)
      : form(endpoint('introspection_endpoint'), { token }, `Bearer ${await newPat()}`);
  const revoke = (token: string, authorization: string | undefined): Promise<Answer> =>
    form(endpoint('revocation_endpoint'), { token }, authorization);
  return { as, doc, rs, rsAuth, rpAuth, pat, resourceId, rpt, protectionCall, introspect, revoke };
}

describe.each(DIALECTS)('revocation at the %s dev AS', (dialect) => {
  it('names an RFC 7009 revocation endpoint in discovery, below the issuer', async () => {
    const { as, doc } = await setUp({ dialect });
    expect(doc.revocation_endpoint?.startsWith(as.url)).toBe(true);
  });

  it('a PAT its client revoked is refused by the protection API with 401 invalid_token', async () => {
    const { pat, rsAuth, protectionCall, revoke, as } = await setUp({ dialect });
    expect((await protectionCall(pat)).status).toBe(201);
    expect((await revoke(pat, rsAuth)).status).toBe(200);
    expect(await protectionCall(pat)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(as.count('revocation', 'POST')).toBe(1);
  });

  it('an RPT its requesting party revoked introspects as inactive', async () => {
    const { rpt, rpAuth, introspect, revoke } = await setUp({ dialect });
    expect((await introspect(rpt)).body.active).toBe(true);
    expect((await revoke(rpt, rpAuth)).status).toBe(200);
    expect((await introspect(rpt)).body).toEqual({ active: false });
  });

  it('refuses to revoke another client’s token, and revokes nothing for an unauthenticated caller', async () => {
    const { rpt, pat, rsAuth, introspect, protectionCall, revoke } = await setUp({ dialect });
    expect(await revoke(rpt, rsAuth)).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
    expect(await revoke(pat, undefined)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await revoke(pat, basic('rs', 'wrong'))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await introspect(rpt)).body.active).toBe(true);
    expect((await protectionCall(pat)).status).toBe(201);
  });

  it('answers 200 for a token it does not know, saying nothing about it (RFC 7009 §2.2)', async () => {
    const { rsAuth, revoke } = await setUp({ dialect });
    expect((await revoke('never-issued', rsAuth)).status).toBe(200);
  });

  it('revokeClientTokens: every PAT of the client is refused from then on, RPTs it did not hold are not', async () => {
    const { as, rs, pat, rpt, protectionCall, introspect } = await setUp({ dialect });
    expect(as.revokeClientTokens(rs.clientId)).toBeGreaterThanOrEqual(1);
    expect(await protectionCall(pat)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect((await introspect(rpt)).body.active).toBe(true);
  });

  it('grantingRptPrefix (load tests): such RPTs introspect as active, holding every registered resource', async () => {
    const { resourceId, introspect } = await setUp({ dialect, grantingRptPrefix: 'load-' });
    const answer = await introspect('load-42');
    expect(answer.body.active).toBe(true);
    expect(JSON.stringify(answer.body.permissions)).toContain(resourceId);
    expect((await introspect('other-42')).body).toEqual({ active: false });
  });
});
