/**
 * The dev AS's pages: the login page behind get_authorization_url, the end-session endpoint, and
 * claims gathering (need_info → page → new ticket → RPT). They are reachable by anyone, so they
 * redirect only to URIs the client registered and escape everything they echo.
 */
import { describe, expect, it } from 'vitest';
import { formOf, gatherClaims, getPage, postForm, signIn } from '../helpers/dev-as-pages.js';
import { devOxd, PROTOCOLS, session, type Session } from './fixture.js';

const SAFE = [{ path: '/safe', conditions: [{ httpMethods: ['GET'], scopes: ['safe'] }] }];
const CLAIMS_REDIRECT = 'https://app.example/claims';

async function authorizationUrl(s: Session): Promise<string> {
  return String((await s.call('get_authorization_url', { oxd_id: s.oxdId })).data['authorization_url']);
}

async function ticketFor(s: Session): Promise<string> {
  await s.call('uma_rs_protect', { oxd_id: s.oxdId, resources: SAFE, overwrite: true });
  return String((await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: '', path: '/safe', http_method: 'GET' })).data['ticket']);
}

describe.each(PROTOCOLS)('claims gathering over %s', (protocol) => {
  it('asks for the demanded claim, returns a new ticket with the state, and the RPT is then granted', async () => {
    const oxd = await devOxd({ claimDemands: [{ scope: 'safe', claim: 'email' }] });
    const s = await session(oxd, protocol, { claims_redirect_uri: [CLAIMS_REDIRECT] });
    const ticket = await ticketFor(s);
    const needInfo = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket });
    const details = (protocol === 'rest' ? needInfo.data : needInfo.data['details']) as Record<string, unknown>;
    expect(details['redirect_user']).toBe(`${oxd.opHost}/oxauth/restv1/uma/gather_claims`);

    const gathering = await s.call('uma_rp_get_claims_gathering_url', { oxd_id: s.oxdId, ticket, claims_redirect_uri: CLAIMS_REDIRECT });
    const back = await gatherClaims(String(gathering.data['url']), { email: 'alice@example.org' });
    expect(`${back.origin}${back.pathname}`).toBe(CLAIMS_REDIRECT);
    expect(back.searchParams.get('state')).toBe(gathering.data['state']);
    const newTicket = back.searchParams.get('ticket') ?? '';
    expect(newTicket).not.toBe(ticket);

    const rpt = await s.call('uma_rp_get_rpt', { oxd_id: s.oxdId, ticket: newTicket });
    expect(rpt.ok).toBe(true);
    const check = await s.call('uma_rs_check_access', { oxd_id: s.oxdId, rpt: rpt.data['access_token'], path: '/safe', http_method: 'GET' });
    expect(check.data['access']).toBe('granted');
  });
});

describe('claims-gathering page', () => {
  it('refuses a claims_redirect_uri the client did not register, without redirecting', async () => {
    const oxd = await devOxd({ claimDemands: [{ scope: 'safe', claim: 'email' }] });
    const s = await session(oxd, 'rest', { claims_redirect_uri: [CLAIMS_REDIRECT] });
    const ticket = await ticketFor(s);
    const url = `${oxd.opHost}/oxauth/restv1/uma/gather_claims?client_id=${s.clientId}&ticket=${ticket}&claims_redirect_uri=https://evil.example/&state=x`;
    const page = await getPage(url);
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(page.html).toContain('not a claims_redirect_uri registered');
  });

  it('refuses an unknown ticket and re-asks for a blank claim', async () => {
    const oxd = await devOxd({ claimDemands: [{ scope: 'safe', claim: 'email' }] });
    const s = await session(oxd, 'rest', { claims_redirect_uri: [CLAIMS_REDIRECT] });
    const base = `${oxd.opHost}/oxauth/restv1/uma/gather_claims?client_id=${s.clientId}&claims_redirect_uri=${CLAIMS_REDIRECT}&state=x`;
    expect((await getPage(`${base}&ticket=unknown`)).status).toBe(400);
    const url = `${base}&ticket=${await ticketFor(s)}`;
    const form = formOf((await getPage(url)).html, url);
    const blank = await postForm(form.action, { ...form.fields, 'claim.email': '  ' });
    expect(blank.status).toBe(400);
    expect(blank.html).toContain('email must be 1 to 256 characters');
  });
});

describe('login page', () => {
  it('says it is a dev stand-in, offers the dev users, and sends headers that forbid scripts and framing', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    const page = await getPage(await authorizationUrl(s));
    expect(page.status).toBe(200);
    expect(page.html).toContain('Dev stand-in, not a real login');
    expect(page.html).toContain('value="alice"');
    expect(page.html).not.toContain('<script');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  // Reflected XSS: the page echoes the request's state and client into its form; a state
  // carrying markup must come back as text, or anyone could run script on the AS's origin.
  it('escapes every value it echoes (reflected XSS)', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    const url = new URL(await authorizationUrl(s));
    url.searchParams.set('state', '"><script>alert(1)</script>');
    const page = await getPage(url.href);
    expect(page.html).not.toContain('<script>');
    expect(page.html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    const back = await signIn(url.href);
    expect(back.searchParams.get('state')).toBe('"><script>alert(1)</script>');
  });

  // Open redirect: an authorization request naming a redirect_uri the client never registered
  // must not bounce the browser (and a fresh code) there.
  it.each([
    ['a redirect_uri the client did not register', (url: URL) => { url.searchParams.set('redirect_uri', 'https://evil.example/cb'); }, 'Redirect URI not registered'],
    ['an unknown client', (url: URL) => { url.searchParams.set('client_id', 'nobody'); }, 'Unknown client'],
  ])('shows an error page instead of redirecting for %s (open redirect)', async (_name, tamper, title) => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    const url = new URL(await authorizationUrl(s));
    tamper(url);
    const page = await getPage(url.href);
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(page.html).toContain(title);
    const form = await postForm(`${oxd.opHost}/oxauth/restv1/authorize`, Object.fromEntries(url.searchParams));
    expect(form.location).toBeUndefined();
  });

  it('signs in a typed username and refuses one it cannot use as a subject', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    const url = await authorizationUrl(s);
    expect((await signIn(url, { username: 'carol.d' })).searchParams.get('code')).toMatch(/.+/);
    const form = formOf((await getPage(url)).html, url);
    const refused = await postForm(form.action, { ...form.fields, username: 'Not A<User>', decision: 'allow' });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('A username is 1 to 64');
  });

  it('redirects with error=unsupported_response_type for anything but code', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'rest');
    const url = new URL(await authorizationUrl(s));
    url.searchParams.set('response_type', 'token');
    const page = await getPage(url.href);
    expect(new URL(page.location ?? '').searchParams.get('error')).toBe('unsupported_response_type');
  });
});

describe('end-session endpoint', () => {
  it('redirects to a registered post_logout_redirect_uri with the state, and nowhere else', async () => {
    const oxd = await devOxd();
    const s = await session(oxd, 'socket', { post_logout_redirect_uri: 'https://app.example/bye' });
    const uri = String((await s.call('get_logout_uri', { oxd_id: s.oxdId, state: 'st', id_token_hint: `x.${Buffer.from(JSON.stringify({ aud: s.clientId })).toString('base64url')}.` })).data['uri']);
    const out = await getPage(uri);
    expect(out.location).toBe('https://app.example/bye?state=st');

    const evil = new URL(uri);
    evil.searchParams.set('post_logout_redirect_uri', 'https://evil.example/');
    const refused = await getPage(evil.href);
    expect(refused.status).toBe(400);
    expect(refused.location).toBeUndefined();
  });

  it('says the user is signed out when no redirect is asked for', async () => {
    const oxd = await devOxd();
    const page = await getPage(`${oxd.opHost}/oxauth/restv1/end_session`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Signed out');
  });
});
