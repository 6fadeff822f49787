/** uma_rp_get_rpt: `updated`, oxd's per-oxd_id RPT cache, upgrades, invalid tickets and need_info (docs/oxd-protocols.md). */
import { describe, expect, it } from 'vitest';
import type { DevOxdOptions } from '../../src/devoxd/index.js';
import { anyString, devOxd, PROTOCOLS, session, type Protocol, type Session } from './fixture.js';

const RESOURCES = [
  { path: '/photo', conditions: [{ httpMethods: ['GET'], scopes: ['view'] }] },
  { path: '/album', conditions: [{ httpMethods: ['GET'], scopes: ['view'] }] },
  { path: '/vault', conditions: [{ httpMethods: ['GET'], scopes: ['open#need_info'] }] },
  { path: '/safe', conditions: [{ httpMethods: ['GET'], scopes: ['safe'] }] },
];

async function protectedSession(protocol: Protocol, options: DevOxdOptions = {}): Promise<Session> {
  const oxd = await devOxd(options);
  const s = await session(oxd, protocol);
  await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: RESOURCES });
  return s;
}

async function ticketFor(s: Session, path: string): Promise<string> {
  const reply = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path, http_method: 'GET' });
  return String(reply.data['ticket']);
}

async function check(s: Session, rpt: unknown, path: string): Promise<unknown> {
  return (await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt, path, http_method: 'GET' })).data['access'];
}

describe.each(PROTOCOLS)('uma_rp_get_rpt over %s', (protocol) => {
  const threeX = protocol !== 'rest';

  it('returns the cached RPT while it lives, extending it (updated: true) when it lacks the ticket', async () => {
    const s = await protectedSession(protocol);
    const first = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: await ticketFor(s, '/photo') });
    expect(first.data).toEqual({ access_token: anyString, token_type: 'Bearer', pct: anyString, updated: false });
    const rpt = first.data['access_token'];
    const sameAgain = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: await ticketFor(s, '/photo') });
    expect(sameAgain.data).toMatchObject({ access_token: rpt, updated: false });
    const extended = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: await ticketFor(s, '/album') });
    expect(extended.data).toMatchObject({ access_token: rpt, updated: true });
    expect(await check(s, rpt, '/photo')).toBe('granted');
    expect(await check(s, rpt, '/album')).toBe('granted');
  });

  it('returns the cached RPT even for an unknown ticket, as oxd does', async () => {
    const s = await protectedSession(protocol);
    const first = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: await ticketFor(s, '/photo') });
    const bogus = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: 'not-a-ticket' });
    expect(bogus.data).toMatchObject({ access_token: first.data['access_token'], updated: false });
  });

  it.each([
    { name: 'unknown', use: (_s: Session, _t: string): Promise<string> => Promise.resolve('not-a-ticket') },
    {
      name: 'already used',
      use: async (s: Session, ticket: string): Promise<string> => {
        await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket });
        return ticket;
      },
    },
  ])('answers invalid_ticket for an $name ticket when nothing is cached', async ({ use }) => {
    let now = 1_700_000_000_000;
    const s = await protectedSession(protocol, { now: () => now, rptLifetimeSeconds: 10 });
    const ticket = await use(s, await ticketFor(s, '/photo'));
    now += 10_000; // the cached RPT, if any, has expired
    const reply = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket });
    expect(reply.ok).toBe(false);
    if (threeX) {
      expect(reply.status).toBe(200);
      expect(reply.data).toEqual({
        error: 'invalid_ticket',
        error_description: 'Ticket is not valid (outdated or not present on Authorization Server).',
        details: null,
      });
    } else {
      expect(reply.status).toBe(400);
      expect(reply.data).toEqual({ error: 'invalid_ticket', error_description: 'Ticket is not valid (outdated or not present on Authorization Server).' });
    }
  });

  it('answers invalid_ticket_parameter for a blank ticket', async () => {
    const s = await protectedSession(protocol);
    expect((await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: ' ' })).data['error']).toBe('invalid_ticket_parameter');
  });

  it('answers need_info for a scope ending in #need_info, then grants with a claim token', async () => {
    const s = await protectedSession(protocol, { opHost: 'https://op.example.com' });
    const ticket = await ticketFor(s, '/vault');
    const reply = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket });
    const details = {
      error: 'need_info',
      ticket,
      required_claims: [
        {
          claim_token_format: ['http://openid.net/specs/openid-connect-core-1_0.html#IDToken'],
          claim_type: 'string',
          friendly_name: 'email',
          issuer: ['https://op.example.com'],
          name: 'email',
        },
      ],
      redirect_user: 'https://op.example.com/oxauth/restv1/uma/gather_claims',
    };
    if (threeX) {
      expect(reply.status).toBe(200);
      expect(reply.data).toEqual({
        error: 'need_info',
        error_description:
          'The authorization server needs additional information in order to determine whether the client is authorized to have these permissions.',
        details,
      });
    } else {
      expect(reply.status).toBe(403);
      expect(reply.data).toEqual(details);
    }
    const claimed = await s.call('uma_rp_get_rpt', {
      oxd_id: s.oxdId,
      ticket,
      claim_token: 'eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImFAYi5jIn0.',
      claim_token_format: 'http://openid.net/specs/openid-connect-core-1_0.html#IDToken',
    });
    expect(claimed.ok).toBe(true);
    expect(await check(s, claimed.data['access_token'], '/vault')).toBe('granted');
  });

  it('answers need_info for scopes listed in claimsRequiredFor', async () => {
    const s = await protectedSession(protocol, { claimsRequiredFor: ['safe'] });
    const reply = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: await ticketFor(s, '/safe') });
    expect(reply.data['error']).toBe('need_info');
    expect(reply.status).toBe(threeX ? 200 : 403);
  });
});

describe('uma_rp_get_rpt details', () => {
  it('upgrades the RPT given in `rpt` when the oxd_id has none cached', async () => {
    const oxd = await devOxd();
    const a = await session(oxd, 'socket');
    const b = await session(oxd, 'socket');
    await a.call('uma_rs_protect', { oxd_id: a.oxdId, resources: RESOURCES });
    const first = await a.call('uma_rp_get_rpt', { oxd_id: a.oxdId, ticket: await ticketFor(a, '/photo') });
    const rpt = first.data['access_token'];
    const upgraded = await b.call('uma_rp_get_rpt', { oxd_id: b.oxdId, ticket: await ticketFor(a, '/album'), rpt });
    expect(upgraded.data).toMatchObject({ access_token: rpt, updated: true });
    expect(await check(a, rpt, '/album')).toBe('granted');
  });

  it('issues a separate RPT per oxd_id', async () => {
    const oxd = await devOxd();
    const a = await session(oxd, 'socket');
    const b = await session(oxd, 'socket');
    await a.call('uma_rs_protect', { oxd_id: a.oxdId, resources: RESOURCES });
    const ticket = await ticketFor(a, '/photo');
    const rptA = await a.call('uma_rp_get_rpt', { oxd_id: a.oxdId, ticket: await ticketFor(a, '/album') });
    const rptB = await b.call('uma_rp_get_rpt', { oxd_id: b.oxdId, ticket });
    expect(rptB.data['access_token']).not.toBe(rptA.data['access_token']);
    expect(await check(a, rptB.data['access_token'], '/photo')).toBe('granted');
  });

  it('rejects a claim token without its format on 4.x', async () => {
    const s = await protectedSession('rest');
    const reply = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: await ticketFor(s, '/vault'), claim_token: 'x' });
    expect(reply.status).toBe(400);
    expect(reply.data['error']).toBe('invalid_claim_token_or_claim_token_form');
  });

  it('issues JWT-shaped RPTs carrying exp when asked', async () => {
    const now = 1_700_000_000_000;
    const s = await protectedSession('socket', { jwtRpts: true, now: () => now, rptLifetimeSeconds: 120 });
    const reply = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: await ticketFor(s, '/photo') });
    const parts = String(reply.data['access_token']).split('.');
    expect(parts).toHaveLength(3);
    const payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(payload['exp']).toBe(now / 1000 + 120);
    expect(await check(s, reply.data['access_token'], '/photo')).toBe('granted');
  });

  it('builds the claims-gathering URL without encoding, with a state of its own on 3.x', async () => {
    const s = await protectedSession('socket', { opHost: 'https://op.example.com' });
    const reply = await s.call('uma_rp_get_claims_gathering_url', {
      oxd_id: s.oxdId,
      ticket: 't-1',
      claims_redirect_uri: 'https://app.example/claims',
      state: 'ignored: 3.x has no state parameter',
    });
    const state = String(reply.data['state']);
    expect(state).toMatch(/^[0-9a-f-]{36}$/);
    // client_id is the site's own client (3.x setup_client's client_id_of_oxd_id).
    expect(reply.data['url']).toMatch(
      new RegExp(`^https://op\\.example\\.com/oxauth/restv1/uma/gather_claims\\?client_id=[^&]+&ticket=t-1&claims_redirect_uri=https://app\\.example/claims&state=${state}$`),
    );
    expect((await s.call('uma_rp_get_claims_gathering_url', { oxd_id: s.oxdId, ticket: 't' })).data['error']).toBe(
      'invalid_claims_redirect_uri_parameter',
    );
  });

  it('takes the state (encoded) and custom parameters on 4.x, never letting them override its own', async () => {
    const s = await protectedSession('rest', { opHost: 'https://op.example.com' });
    const reply = await s.call('uma_rp_get_claims_gathering_url', {
      oxd_id: s.oxdId,
      ticket: 't-1',
      claims_redirect_uri: 'https://app.example/claims',
      state: 's 1',
      custom_parameters: { ui: 'dark mode', ticket: 'forged' },
    });
    expect(reply.data).toEqual({
      state: 's%201',
      url: `https://op.example.com/oxauth/restv1/uma/gather_claims?client_id=${s.clientId}&ticket=t-1&claims_redirect_uri=https://app.example/claims&state=s%201&ui=dark%20mode`,
    });
  });
});
