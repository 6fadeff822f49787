/**
 * Attack class: precedence and case tricks (Keycloak 2026 path CVEs, oauth2-proxy
 * `skip_auth_route` advisories). The attacker reshapes a protected path so that a *public* rule,
 * or `unprotected: allow`, claims it instead: changing case (`/API/private`), encoding letters,
 * adding a `;` parameter or a trailing slash. Protected literals match case-insensitively and
 * public ones case-sensitively, a protected resource wins at equal specificity, and a path ending
 * in `/` must be allowed under both readings — so each variant stays protected.
 *
 * Why protected literals ignore case: oxd matches protected paths case-insensitively, and so do
 * many backends (Windows, IIS, case-insensitive routers), so a case-sensitive matcher would let
 * `/ADMIN` slip past `/admin`. A public `/health` must not make `/HEALTH` public, since the
 * backend may map it elsewhere: case can only make a path MORE protected.
 */
import { describe, expect, it } from 'vitest';
import { expectRefused, useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness({
  policy: `
unprotected: allow
resources:
  - path: /api/??
    public: true
  - path: /api/private/??
    conditions:
      - httpMethods: [GET]
        scopes: [private]
  - path: /photo
    conditions:
      - httpMethods: [GET]
        scopes: [view]
  - path: /health
    public: true
    httpMethods: [GET]
`,
});

describe('a protected path cannot be made public', () => {
  it.each([
    '/api/private/key',
    '/API/private/key',
    '/api/PRIVATE/key',
    '/api/Private',
    '/api/private/',
    '/api/%70rivate/key',
    '/api/private;x=1/key',
    '/api/private/key;jsessionid=1',
    'http://public.example/api/private/key',
    '/photo/',
    '/PHOTO',
    '/Photo;x',
  ])('%s → 401 (oxd asked), nothing forwarded', async (target) => {
    const h = harness();
    const before = h.backend.seen.length;
    const res = await h.send(target);
    expect(res.status).toBe(401);
    expect(h.backend.seen.length).toBe(before);
  });

  it('a public literal matches only its own case (/Health is not /health) — under allow it is simply unmatched', async () => {
    const h = harness();
    await h.send('/Health');
    expect(h.logs.requests().at(-1)).toMatchObject({ outcome: 'unprotected_allowed', pattern: null });
    await h.send('/health');
    expect(h.logs.requests().at(-1)).toMatchObject({ outcome: 'public', pattern: '/health' });
  });
});

describe('case variants under unprotected: deny (the default policy)', () => {
  const denyHarness = useFileHarness();

  it.each(['/ADMIN', '/Admin', '/aDmIn', '/%41dmin'])('%s is the protected /admin (401 with a ticket)', async (target) => {
    await expectRefused(denyHarness(), target, 401, 'uma_ticket');
  });

  it('/HEALTH is not the public /health (403 unprotected)', async () => {
    await expectRefused(denyHarness(), '/HEALTH', 403, 'unprotected');
  });
});
