import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { DevAsDialect, DevAsOptions } from '../../src/devas/index.js';
import type { UmaClient } from '../../src/uma/index.js';
import { DIALECTS, umaRejection, umaSession } from './harness.js';

const ID_TOKEN_FORMAT = 'http://openid.net/specs/openid-connect-core-1_0.html#IDToken';

/** A resource with scope `read` and a fresh ticket for it. */
async function ticketFor(client: UmaClient, scopes: readonly string[] = ['read']): Promise<{ id: string; ticket: string }> {
  const id = await client.createResource({ name: `r-${scopes.join('-')}`, resource_scopes: [...scopes, 'other'] });
  return { id, ticket: await client.createPermissionTicket([{ resource_id: id, resource_scopes: scopes }]) };
}

describe.each(DIALECTS)('the uma-ticket grant at the %s dev AS', (dialect) => {
  const session = umaSession();
  const connect = async (options: Omit<DevAsOptions, 'dialect'> = {}) => {
    const { as, rs } = await session.start(dialect, options);
    return { as, client: await session.connect(as, rs) };
  };

  it('grants a valid ticket with client Basic auth, once: the ticket is single-use', async () => {
    const { as, client } = await connect();
    const { ticket } = await ticketFor(client);
    const first = await client.getRpt({ ticket });
    expect(first).toMatchObject({ outcome: 'granted', token_type: 'Bearer', upgraded: false });
    expect(as.calls.at(-1)).toMatchObject({ endpoint: 'token', auth: 'basic' });
    const again = await umaRejection(client.getRpt({ ticket }));
    expect(again.code).toBe('invalid_ticket');
  });

  it('answers need_info with a new ticket when a claim is required, then grants with a claim token', async () => {
    const { client } = await connect({ claimsRequiredFor: ['read'] });
    const { id, ticket } = await ticketFor(client);
    const needInfo = await client.getRpt({ ticket });
    if (needInfo.outcome !== 'need_info') throw new Error(`expected need_info, got ${needInfo.outcome}`);
    expect(needInfo.ticket).not.toBe(ticket);
    expect(needInfo.required_claims[0]).toMatchObject({ friendly_name: 'email' });
    const granted = await client.getRpt({ ticket: needInfo.ticket, claimToken: 'id-token', claimTokenFormat: ID_TOKEN_FORMAT });
    expect(granted.outcome).toBe('granted');
    if (granted.outcome !== 'granted' || granted.pct === undefined) return;
    // The pct stands for the claims already given (GRANT §3.3.1): no need_info again.
    const next = await client.createPermissionTicket([{ resource_id: id, resource_scopes: ['read'] }]);
    expect(await client.getRpt({ ticket: next, pct: granted.pct })).toMatchObject({ outcome: 'granted' });
  });

  it('grants after the claims-gathering page supplies the claim need_info asked for', async () => {
    const { as, client } = await connect({ claimsRequiredFor: ['read'] });
    const back = 'https://rp.example/claims-done';
    const rp = as.createClient({ clientId: 'rp', clientSecret: 'rp-secret', claimsRedirectUris: [back] });
    const { ticket } = await ticketFor(client);
    const needInfo = await client.getRpt({ ticket });
    if (needInfo.outcome !== 'need_info') throw new Error(`expected need_info, got ${needInfo.outcome}`);
    expect(needInfo.redirect_user).toBe(`${as.url}/oxauth/restv1/uma/gather_claims`);
    const page = await fetch(needInfo.redirect_user ?? '', {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: rp.clientId, ticket: needInfo.ticket, claims_redirect_uri: back, state: 's1', 'claim.email': 'alice@example.org' }),
    });
    const location = new URL(page.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(back);
    const gathered = location.searchParams.get('ticket') ?? '';
    expect(await client.getRpt({ ticket: gathered })).toMatchObject({ outcome: 'granted' });
  });

  it('reports a denial as request_denied, with the AS own error word', async () => {
    const { client } = await connect({ deniedScopes: ['read'] });
    const { ticket } = await ticketFor(client);
    const denied = await client.getRpt({ ticket });
    const word: Record<DevAsDialect, string> = { keycloak: 'access_denied', janssen: 'forbidden_by_policy', strict: 'request_denied' };
    expect(denied).toMatchObject({ outcome: 'request_denied', error: word[dialect] });
  });

  it.skipIf(dialect === 'keycloak')('reports a pending approval as request_submitted with a new ticket and interval', async () => {
    const { client } = await connect({ submittedScopes: ['read'] });
    const { ticket } = await ticketFor(client);
    const submitted = await client.getRpt({ ticket });
    expect(submitted).toMatchObject({ outcome: 'request_submitted', interval: 5 });
    expect(submitted.outcome === 'request_submitted' && submitted.ticket !== ticket).toBe(true);
  });

  it('upgrades an RPT: the new one holds the old permissions too', async () => {
    const { client } = await connect();
    const a = await ticketFor(client, ['read']);
    const first = await client.getRpt({ ticket: a.ticket });
    if (first.outcome !== 'granted') throw new Error('expected a grant');
    const b = await ticketFor(client, ['write']);
    const upgraded = await client.getRpt({ ticket: b.ticket, rpt: first.access_token });
    if (upgraded.outcome !== 'granted') throw new Error('expected a grant');
    expect(upgraded.upgraded).toBe(true);
    const result = await client.introspectRpt(upgraded.access_token);
    expect(result.active && result.permissions.map((p) => p.resource_id).sort()).toEqual([a.id, b.id].sort());
  });

  it('refuses a claim token without its format before calling the AS', async () => {
    const { as, client } = await connect();
    const err = await umaRejection(client.getRpt({ ticket: 't', claimToken: 'x' }));
    expect(err.code).toBe('invalid_argument');
    expect(as.count('token')).toBe(0);
  });
});

describe.each(DIALECTS)('introspection at the %s dev AS', (dialect) => {
  const session = umaSession();

  it(dialect === 'keycloak' ? 'authenticates the client with Basic and hints requesting_party_token' : 'sends the PAT and no hint', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const { id, ticket } = await ticketFor(client);
    const rpt = await client.getRpt({ ticket });
    if (rpt.outcome !== 'granted') throw new Error('expected a grant');
    const result = await client.introspectRpt(rpt.access_token);
    expect(result).toMatchObject({ active: true, permissions: [{ resource_id: id, resource_scopes: ['read'] }] });
    expect(result.active && typeof result.exp).toBe('number');
    const call = as.calls.filter((c) => c.endpoint === 'introspection').at(-1);
    if (dialect === 'keycloak') {
      expect(call).toMatchObject({ auth: 'basic', body: { token: '***', token_type_hint: 'requesting_party_token' } });
    } else {
      expect(call).toMatchObject({ auth: 'bearer', body: { token: '***' } });
    }
  });

  it('reports a revoked or expired RPT as inactive', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const { ticket } = await ticketFor(client);
    const rpt = await client.getRpt({ ticket });
    if (rpt.outcome !== 'granted') throw new Error('expected a grant');
    as.revokeToken(rpt.access_token);
    expect(await client.introspectRpt(rpt.access_token)).toEqual({ active: false });
    expect(await client.introspectRpt('never-issued')).toEqual({ active: false });
  });
});

describe.each(DIALECTS)('JWT RPTs from the %s dev AS', (dialect) => {
  const session = umaSession();

  it('verify against jwks_uri with the issuer and the client as audience, and carry authorization.permissions', async () => {
    const { as, rs } = await session.start(dialect, { jwtRpts: true });
    const client = await session.connect(as, rs, { rptVerification: 'jwt' });
    const { id, ticket } = await ticketFor(client);
    const rpt = await client.getRpt({ ticket });
    if (rpt.outcome !== 'granted') throw new Error('expected a grant');
    const jwks = createRemoteJWKSet(new URL(client.discovery.jwks_uri ?? ''));
    const { payload, protectedHeader } = await jwtVerify(rpt.access_token, jwks, { issuer: client.issuer, audience: rs.clientId, algorithms: ['ES256'] });
    expect(protectedHeader.alg).toBe('ES256');
    expect(typeof payload.exp).toBe('number');
    const permissions = (payload.authorization as { permissions: Record<string, unknown>[] }).permissions;
    expect(permissions).toEqual([dialect === 'keycloak' ? { rsid: id, rsname: 'r-read', scopes: ['read'] } : { resource_id: id, resource_scopes: ['read'] }]);
  });
});
