/**
 * Attack class: method confusion. The attacker makes the proxy judge one method while the
 * backend runs another: an override header (`X-HTTP-Method-Override` and friends, in every
 * case/underscore spelling; CVE-2020-14359 style), a method the policy does not name, or HEAD.
 *
 * Found here: under `unprotected: allow`, `HEAD /photo` (policy: GET only) matched nothing and was
 * forwarded unchecked — yet backends (Node, Express, Spring) answer HEAD with the GET handler, so
 * the attacker read the protected resource's headers and ran its handler. A HEAD the policy does
 * not name is now judged as the GET it mirrors (oxd is asked about GET, policy/matcher.ts), so it
 * needs a GET grant. Under `unprotected: deny` it stays 403, as the contract says.
 *
 * Also pinned: lower-case and unknown methods never reach matching (Node's parser refuses them;
 * see request-target-forms), a method no condition names is `unprotected`, and override headers
 * never reach the backend from an untrusted peer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness } from '../proxy/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const ALLOW_POLICY = `
unprotected: allow
resources:
  - path: /photo
    conditions:
      - httpMethods: [GET]
        scopes: [view]
      - httpMethods: [POST]
        scopes: [all]
  - path: /head-too
    conditions:
      - httpMethods: [GET]
        scopes: [view]
      - httpMethods: [HEAD]
        scopes: [peek]
`;

describe('HEAD of a GET-protected resource under unprotected: allow', () => {
  it.each(['/photo', '/PHOTO', '/photo/', '/photo;x=1'])('HEAD %s needs a grant: 401 with a ticket, nothing forwarded', async (target) => {
    h = await startHarness({ policy: ALLOW_POLICY });
    const res = await h.send(target, { method: 'HEAD' });
    expect(res.status).toBe(401);
    expect(String(res.headers['www-authenticate'])).toContain('ticket=');
    expect(h.backend.seen).toHaveLength(0);
  });

  it('is forwarded, still as HEAD, with an RPT granted for GET', async () => {
    h = await startHarness({ policy: ALLOW_POLICY });
    const rpt = await h.obtainRpt('GET', '/photo');
    const res = await h.send('/photo', { method: 'HEAD', headers: bearer(rpt) });
    expect(res.status).toBe(200);
    expect(h.backend.seen.map((s) => s.method)).toEqual(['HEAD']);
  });

  it('a HEAD the policy names is judged by its own condition, not GET', async () => {
    h = await startHarness({ policy: ALLOW_POLICY });
    const rpt = await h.obtainRpt('GET', '/head-too');
    const res = await h.send('/head-too', { method: 'HEAD', headers: bearer(rpt) });
    // A GET grant does not answer for the separately protected HEAD.
    expect(res.status).toBe(401);
    expect(h.backend.seen).toHaveLength(0);
  });
});

describe('methods the policy does not name', () => {
  it.each(['HEAD', 'PROPFIND', 'SEARCH', 'PATCH'])('%s /photo under unprotected: deny → 403 unprotected', async (method) => {
    h = await startHarness();
    const res = await h.send('/photo', { method });
    expect(res.status).toBe(403);
    if (method !== 'HEAD') expect(res.json().code).toBe('unprotected');
    expect(h.backend.seen).toHaveLength(0);
  });
});

describe('method-override headers', () => {
  const overrides = {
    'X-HTTP-Method-Override': 'DELETE',
    'x-http-method-override': 'DELETE',
    X_HTTP_Method_Override: 'DELETE',
    'X-HTTP-METHOD': 'DELETE',
    x_http_method: 'DELETE',
    'X-Method-Override': 'DELETE',
    X_METHOD_OVERRIDE: 'DELETE',
    'X-Original-Method': 'DELETE',
    'X-Envoy-Original-Method': 'DELETE',
    'X-Original-URI': '/admin',
    x_original_url: '/admin',
    'X-Rewrite-URL': '/admin',
    'X-Envoy-Original-Path': '/admin',
  };

  it('none reaches the backend from an untrusted peer, whatever the spelling', async () => {
    h = await startHarness();
    const res = await h.send('/public/x', { method: 'POST', headers: overrides, body: '{}' });
    expect(res.status).toBe(200);
    const seen = h.backend.seen[0];
    const names = (seen?.rawHeaders ?? []).filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase().replaceAll('_', '-'));
    for (const name of Object.keys(overrides)) expect(names).not.toContain(name.toLowerCase().replaceAll('_', '-'));
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/public/x');
  });
});
