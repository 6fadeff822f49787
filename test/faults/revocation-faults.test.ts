/**
 * Revocation at the authorization service around a running proxy, per authorization mode — real
 * revocation (the token becomes unknown to the AS), not expiry:
 *
 * - the proxy's protection token (oxd's client token, or the PAT in direct mode) revoked
 *   mid-traffic: the first call refused for it fetches one fresh token and is retried once;
 *   clients see nothing but their usual answers, and nothing is forwarded without a grant;
 * - an RPT revoked mid-traffic: its cached grant keeps serving for at most `--cache-ttl` (the
 *   documented revocation delay, SECURITY.md), and not one millisecond longer.
 *
 * Each scenario prints its figure (`faults: <mode>: <scenario>: 200×n 401×m`).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseOxdConfig } from '../../src/oxd/index.js';
import { basic, discovery, form } from '../devas/fixture.js';
import { REQUESTING_PARTY, RS_CLIENT, type Harness } from '../proxy/harness.js';
import { MODES, report, traffic, useSubject, type FaultSubject, type Mode, type SubjectOptions, type Tally } from './subject.js';

/** Rounds of traffic per phase: 3 requests each (granted, forged, anonymous). */
const ROUNDS = 4;
/** The grant TTL of the RPT scenario, in seconds; its clock is the test's, not the wall's. */
const CACHE_TTL_S = 30;

/**
 * The default deadline for calls to the authorization service (5 s), not the suite's 250 ms: no
 * fault here is about slowness, and the retry after a revoked token is four calls in a row, which
 * a busy machine can stretch past 250 ms (a 503 this scenario is not about).
 */
function usualDeadline(mode: Mode): SubjectOptions['proxy'] {
  return mode === 'oxd' ? { oxdTimeout: 5 } : { asTimeout: 5 };
}

/** Every caller answered as usual: the granted one `granted`, the others 401 with a ticket. */
function expectAnswered(tally: Tally, granted: 200 | 401): void {
  expect(tally.byCaller.get('granted')).toEqual(Array.from({ length: ROUNDS }, () => granted));
  expect(tally.byCaller.get('forged')).toEqual(Array.from({ length: ROUNDS }, () => 401));
  expect(tally.byCaller.get('anonymous')).toEqual(Array.from({ length: ROUNDS }, () => 401));
}

/** Protection tokens issued so far: oxd's get_client_token, or client_credentials at the AS. */
function protectionTokensIssued(h: Harness): number {
  return h.mode === 'oxd' ? h.oxd.count('get_client_token') : h.as.calls.filter((c) => c.endpoint === 'token' && isClientCredentials(c.body)).length;
}

function isClientCredentials(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { grant_type?: unknown }).grant_type === 'client_credentials';
}

/** The AS revokes every protection token of the proxy's client, as its administrator would. */
async function revokeProtectionTokens(h: Harness): Promise<number> {
  if (h.mode === 'uma2') return h.as.revokeClientTokens(RS_CLIENT.clientId);
  const clientId = parseOxdConfig(await readFile(h.iniFile, 'utf8'), h.iniFile).client.scalars.client_id;
  if (clientId === undefined) throw new Error('the ini holds no client_id after registration');
  return h.oxd.revokeClientTokens(clientId);
}

/**
 * The requesting party revokes its RPT. In direct mode through the AS's RFC 7009 endpoint, as a
 * client would; oxd has no revocation command, so there the dev oxd's AS revokes it.
 */
async function revokeRpt(h: Harness, rpt: string): Promise<void> {
  if (h.mode === 'oxd') {
    h.oxd.revokeToken(rpt);
    return;
  }
  const endpoint = (await discovery(h.as)).revocation_endpoint;
  if (endpoint === undefined) throw new Error('the AS discovery names no revocation_endpoint');
  const answer = await form(endpoint, { token: rpt, token_type_hint: 'access_token' }, basic(REQUESTING_PARTY.clientId, REQUESTING_PARTY.clientSecret));
  expect(answer.status).toBe(200);
}

describe.each(MODES)('%s mode', (mode) => {
  const subjectFor = useSubject(mode);

  it('protection token revoked mid-traffic: one fresh token, one retry, no client sees a difference', async () => {
    const s: FaultSubject = await subjectFor({ proxy: usualDeadline(mode) });
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const before = await traffic(s, rpt, ROUNDS);
    expectAnswered(before, 200);
    const issued = protectionTokensIssued(s.harness);
    expect(await revokeProtectionTokens(s.harness)).toBeGreaterThan(0);
    const after = await traffic(s, rpt, ROUNDS);
    expectAnswered(after, 200);
    // The first call refused for the revoked token fetched one; every later call used it.
    expect(protectionTokensIssued(s.harness) - issued).toBe(1);
    report(mode, 'protection-token-revoked-mid-traffic', before, after);
  });

  it('RPT revoked mid-traffic: its cached grant serves until --cache-ttl has passed, then a ticket', async () => {
    let clock = Date.now();
    const s = await subjectFor({ proxy: { ...usualDeadline(mode), cacheTtl: CACHE_TTL_S, now: () => clock } });
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    // Caches the grant at `cachedAt`: the clock stands still until the test moves it.
    const cachedAt = clock;
    const before = await traffic(s, rpt, ROUNDS);
    expectAnswered(before, 200);
    await revokeRpt(s.harness, rpt);
    // The documented revocation delay: the AS is not asked again within the TTL.
    clock = cachedAt + CACHE_TTL_S * 1000;
    const within = await traffic(s, rpt, ROUNDS);
    expectAnswered(within, 200);
    // One millisecond past it, the AS is asked again and the revoked RPT is sent for a new one.
    clock = cachedAt + CACHE_TTL_S * 1000 + 1;
    const after = await traffic(s, rpt, ROUNDS);
    expectAnswered(after, 401);
    report(mode, 'rpt-revoked-mid-traffic', before, within, after);
  });
});
