/**
 * Attack class: decision-cache confusion (CVE-2021-32701, ory/oathkeeper#743; heimdall#3452/#3445:
 * the cache was keyed by token only, so a token cached while passing rule A was accepted by rule B). The
 * attacker gets one grant cached, then replays the same RPT where that grant must not answer:
 * another method on the same pattern, another pattern, after a policy reload, a HEAD judged as
 * GET (which may reuse the GET grant — same oxd question), or with a JWT-shaped RPT whose `exp`
 * lies. The cache key is sha256(RPT) + method + pattern + generation, and `exp` can only shorten
 * a cached grant; every attempt below must reach oxd and be denied.
 */
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { POLICY, bearer, startHarness, type Harness } from '../proxy/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function checkAccessCalls(harness: Harness): number {
  return harness.logs.lines.filter((l) => l.msg === 'request' && l.authzMs !== 0 && l.cacheHit === false).length;
}

describe('a cached grant answers only its own question', () => {
  it('a GET grant (cached) does not serve POST on the same pattern, nor GET on another pattern', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.send('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect((await h.send('/photo', { headers: bearer(rpt) })).status).toBe(200); // now from the cache
    expect(h.logs.requests().at(-1)?.cacheHit).toBe(true);
    const checks = h.oxd.count('uma_rs_check_access');
    const post = await h.send('/photo', { method: 'POST', headers: bearer(rpt), body: 'x' });
    expect(post.status).toBe(401);
    const other = await h.send('/admin', { headers: bearer(rpt) });
    expect(other.status).toBe(401);
    // Same scope as /photo (CVE-2026-9799's "same type of resource"): still its own question.
    const album = await h.send('/albums/a', { headers: bearer(rpt) });
    expect(album.status).toBe(401);
    // Each was asked of oxd, none answered by the cached GET /photo grant.
    expect(h.oxd.count('uma_rs_check_access')).toBe(checks + 3);
    expect(h.backend.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /photo', 'GET /photo']);
  });

  it('case variants share the grant of their pattern, and only that one', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.send('/PHOTO', { headers: bearer(rpt) })).status).toBe(200);
    expect((await h.send('/Admin', { headers: bearer(rpt) })).status).toBe(401);
  });

  it('a policy reload forgets every grant, even for an unchanged pattern', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.send('/photo', { headers: bearer(rpt) })).status).toBe(200);
    await writeFile(h.policyFile, `${POLICY}\n# edited\n`);
    expect((await h.proxy.reload()).result).toBe('applied');
    const calls = checkAccessCalls(h);
    expect((await h.send('/photo', { headers: bearer(rpt) })).status).toBe(200);
    // Granted again, but by oxd, not by the cache of the previous generation.
    expect(h.logs.requests().at(-1)?.cacheHit).toBe(false);
    expect(checkAccessCalls(h)).toBe(calls + 1);
  });
});

describe('RPT expiry claims', () => {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('a forged JWT-shaped RPT with a far-future exp is never granted, cached or not', async () => {
    h = await startHarness();
    const forged = `${b64({ alg: 'none' })}.${b64({ exp: 9_999_999_999, scope: 'everything' })}.sig`;
    for (let i = 0; i < 3; i++) {
      const res = await h.send('/photo', { headers: bearer(forged) });
      expect(res.status).toBe(401);
    }
    expect(h.backend.seen).toHaveLength(0);
  });

  // oxd (faked) grants a JWT-shaped RPT: what remains to check is how long the proxy caches it.
  const GRANT = { command: 'uma_rs_check_access', fault: { kind: 'answer', data: { access: 'granted' } } } as const;

  it('exp in the past: the grant is served once and not cached', async () => {
    h = await startHarness();
    const rpt = `${b64({ alg: 'RS256' })}.${b64({ exp: 1_000 })}.sig`;
    h.oxd.faults.add(GRANT);
    expect((await h.send('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect((await h.send('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect(h.logs.requests().map((l) => l.cacheHit)).toEqual([false, false]);
  });

  it('exp far in the future never stretches a grant beyond --cache-ttl', async () => {
    let clock = Date.now();
    h = await startHarness({ proxy: { now: () => clock, cacheTtl: 60 } });
    const rpt = `${b64({ alg: 'RS256' })}.${b64({ exp: 9_999_999_999 })}.sig`;
    h.oxd.faults.add(GRANT);
    expect((await h.send('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect((await h.send('/photo', { headers: bearer(rpt) })).status).toBe(200);
    clock += 61_000;
    expect((await h.send('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect(h.logs.requests().map((l) => l.cacheHit)).toEqual([false, true, false]);
  });
});
