import { describe, expect, it } from 'vitest';
import { UMA_TICKET_GRANT, type DevAs } from '../../src/devas/index.js';
import { basic, DIALECTS, discovery, form, postJson, start } from './fixture.js';

/** A client, its PAT, the discovery document and one registered resource with scope `read`. */
async function setUp(as: DevAs) {
  const doc = await discovery(as);
  const client = as.createClient({ clientId: 'c', clientSecret: 's' });
  const auth = basic(client.clientId, client.clientSecret);
  const scope = as.dialect === 'keycloak' ? {} : { scope: 'uma_protection' };
  const pat = String((await form(doc.token_endpoint ?? '', { grant_type: 'client_credentials', ...scope }, auth)).body.access_token);
  const created = await postJson(doc.resource_registration_endpoint ?? '', { name: 'photo', resource_scopes: ['read'] }, pat);
  return { doc, auth, pat, resourceId: String(created.body._id) };
}

describe.each(DIALECTS)('the %s dev AS over plain HTTP', (dialect) => {
  it('serves the curl walkthrough: PAT, ticket, then an RPT for client Basic auth and the ticket alone', async () => {
    const as = await start({ dialect });
    const { doc, auth, pat, resourceId } = await setUp(as);
    const ticket = await postJson(doc.permission_endpoint ?? '', [{ resource_id: resourceId, resource_scopes: ['read'] }], pat);
    expect(ticket.status).toBe(201);
    const rpt = await form(doc.token_endpoint ?? '', { grant_type: UMA_TICKET_GRANT, ticket: String(ticket.body.ticket) }, auth);
    expect(rpt).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
    expect(typeof rpt.body.access_token).toBe('string');
    expect(as.count('token', 'POST')).toBe(2);
    expect(as.count('permission')).toBe(1);
  });

  it('answers every protection endpoint 401 without a valid PAT', async () => {
    const as = await start({ dialect });
    const { doc } = await setUp(as);
    for (const url of [doc.resource_registration_endpoint, doc.permission_endpoint]) {
      expect((await postJson(url ?? '', [], 'not-a-pat')).status).toBe(401);
    }
  });

  it('forgets everything on wipe, and serves again after stop/start', async () => {
    const as = await start({ dialect });
    await setUp(as);
    expect(as.resources()).toHaveLength(1);
    as.wipe();
    expect(as.resources()).toEqual([]);
    await as.stop();
    await expect(fetch(as.discoveryUrl)).rejects.toThrow();
    await as.start();
    expect((await fetch(as.discoveryUrl)).status).toBe(200);
  });

  it('serves no JWKS unless asked for JWT RPTs', async () => {
    const opaque = await start({ dialect });
    expect((await fetch((await discovery(opaque)).jwks_uri ?? '')).status).toBe(404);
    const jwt = await start({ dialect, jwtRpts: true });
    const jwks = (await (await fetch((await discovery(jwt)).jwks_uri ?? '')).json()) as { keys: { alg: string; kid: string }[] };
    expect(jwks.keys.map((k) => [k.alg, typeof k.kid])).toEqual([['ES256', 'string']]);
  });

  it('logs secrets and tokens as *** in its call log', async () => {
    const as = await start({ dialect });
    await form(`${as.url}${new URL((await discovery(as)).token_endpoint ?? '').pathname}`, { grant_type: 'client_credentials', client_id: 'c', client_secret: 'hidden' });
    expect(JSON.stringify(as.calls)).not.toContain('hidden');
  });
});

describe('Keycloak dialect', () => {
  it('introspects only for an authenticated client, and shows permissions only with the RPT hint', async () => {
    const as = await start({ dialect: 'keycloak' });
    const { doc, auth, pat, resourceId } = await setUp(as);
    const ticket = await postJson(doc.permission_endpoint ?? '', [{ resource_id: resourceId, resource_scopes: ['read'] }], pat);
    const rpt = String((await form(doc.token_endpoint ?? '', { grant_type: UMA_TICKET_GRANT, ticket: String(ticket.body.ticket) }, auth)).body.access_token);
    const url = doc.introspection_endpoint ?? '';
    expect((await form(url, { token: rpt }, `Bearer ${pat}`)).status).toBe(401);
    expect((await form(url, { token: rpt, token_type_hint: 'made_up' }, auth)).status).toBe(400);
    expect((await form(url, { token: rpt }, auth)).body).not.toHaveProperty('permissions');
    const withHint = await form(url, { token: rpt, token_type_hint: 'requesting_party_token' }, auth);
    expect(withHint.body.permissions).toEqual([{ rsid: resourceId, rsname: 'photo', scopes: ['read'], resource_id: resourceId, resource_scopes: ['read'] }]);
  });

  it('takes permission requests as a list only, and checks no uma_protection role there', async () => {
    const as = await start({ dialect: 'keycloak' });
    const { doc, pat, resourceId } = await setUp(as);
    expect((await postJson(doc.permission_endpoint ?? '', { resource_id: resourceId, resource_scopes: ['read'] }, pat)).status).toBe(400);
    expect(doc.policy_endpoint).toMatch(/\/realms\/umagate\/authz\/protection\/uma-policy$/);
  });

  it('answers "Remote management is disabled." when remote resource management is off', async () => {
    const as = await start({ dialect: 'keycloak' });
    const { doc, pat } = await setUp(as);
    as.setRemoteResourceManagement(false);
    const refused = await postJson(doc.resource_registration_endpoint ?? '', { name: 'x', resource_scopes: ['read'] }, pat);
    expect(refused).toEqual({ status: 400, body: { error: 'not_supported', error_description: 'Remote management is disabled.' } });
  });
});

describe('Janssen dialect', () => {
  it('publishes discovery under the application path and at the well-known path of the bare-host issuer', async () => {
    const as = await start({ dialect: 'janssen' });
    expect(as.issuer).toBe(as.url);
    const doc = await discovery(as);
    const alias = (await (await fetch(`${as.url}/.well-known/uma2-configuration`)).json()) as Record<string, string>;
    expect(alias).toEqual(doc);
    expect(doc.introspection_endpoint).toBe(`${as.url}/jans-auth/restv1/rpt/status`);
    expect(doc.resource_registration_endpoint).toBe(`${as.url}/jans-auth/restv1/host/rsrc/resource_set`);
  });

  it('expires a resource registered without exp after the resource lifetime', async () => {
    let now = Date.UTC(2026, 0, 1);
    const as = await start({ dialect: 'janssen', resourceLifetimeSeconds: 60, tokenLifetimeSeconds: 3600, now: () => now });
    await setUp(as);
    expect(as.resources()).toHaveLength(1);
    now += 61_000;
    expect(as.resources()).toEqual([]);
  });

  it('refuses a PAT with uma_protection to a client not allowed it', async () => {
    const as = await start({ dialect: 'janssen' });
    const doc = await discovery(as);
    as.createClient({ clientId: 'weak', clientSecret: 'w', umaProtection: false });
    const refused = await form(doc.token_endpoint ?? '', { grant_type: 'client_credentials', scope: 'uma_protection' }, basic('weak', 'w'));
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });
});
