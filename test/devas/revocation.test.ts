/**
 * The dev AS revokes tokens as a real one does: through its RFC 7009 revocation endpoint (named in
 * discovery, client-authenticated) or by an administrator for a whole client. A revoked PAT is
 * refused by the protection API with 401 `invalid_token`; a revoked RPT introspects as inactive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDevAs, UMA_TICKET_GRANT, type DevAs, type DevAsDialect, type DevAsOptions } from '../../src/devas/index.js';

const DIALECTS: readonly DevAsDialect[] = ['keycloak', 'janssen', 'strict'];
const servers: DevAs[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function call(url: string, init: { readonly form?: Record<string, string>; readonly json?: unknown; readonly authorization?: string }): Promise<Answer> {
  const isForm = init.form !== undefined;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': isForm ? 'application/x-www-form-urlencoded' : 'application/json',
      ...(init.authorization === undefined ? {} : { authorization: init.authorization }),
    },
    body: isForm ? new URLSearchParams(init.form) : JSON.stringify(init.json),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** A resource server with a PAT and one resource, and a requesting party holding an RPT for it. */
async function setUp(options: DevAsOptions) {
  const as = await startDevAs(options);
  servers.push(as);
  const doc = (await (await fetch(as.discoveryUrl)).json()) as Record<string, string>;
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
    String((await call(endpoint('token_endpoint'), { form: { grant_type: 'client_credentials', ...scope }, authorization: rsAuth })).body.access_token);
  const pat = await newPat();
  const created = await call(endpoint('resource_registration_endpoint'), { json: { name: 'photo', resource_scopes: ['read'] }, authorization: `Bearer ${pat}` });
  const resourceId = String(created.body._id);
  const ticket = await call(endpoint('permission_endpoint'), { json: [{ resource_id: resourceId, resource_scopes: ['read'] }], authorization: `Bearer ${pat}` });
  const rpt = String((await call(endpoint('token_endpoint'), { form: { grant_type: UMA_TICKET_GRANT, ticket: String(ticket.body.ticket) }, authorization: rpAuth })).body.access_token);
  /** A protection API call with this PAT: asks for a ticket. */
  const protectionCall = (bearer: string): Promise<Answer> =>
    call(endpoint('permission_endpoint'), { json: [{ resource_id: resourceId, resource_scopes: ['read'] }], authorization: `Bearer ${bearer}` });
  /** Introspection as the resource server does it in this dialect (Keycloak: client auth and the RPT hint). */
  const introspect = async (token: string): Promise<Answer> =>
    as.dialect === 'keycloak'
      ? call(endpoint('introspection_endpoint'), { form: { token, token_type_hint: 'requesting_party_token' }, authorization: rsAuth })
      : call(endpoint('introspection_endpoint'), { form: { token }, authorization: `Bearer ${await newPat()}` });
  const revoke = (token: string, authorization: string | undefined): Promise<Answer> =>
    call(endpoint('revocation_endpoint'), { form: { token }, ...(authorization === undefined ? {} : { authorization }) });
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
