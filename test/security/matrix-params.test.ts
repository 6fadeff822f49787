/**
 * Advisory class: matrix parameters and trailing slashes (CVE-2026-15573, keycloak#51467).
 * Attack: `/admin;x=1` or `/admin/` missed the specific protected resource and fell through to a
 * permissive rule, while Tomcat/Spring stripped `;x=1` (or ignored the slash) and served /admin.
 * umagate strips `;` parameters for matching (so `/admin;x=1` IS /admin and is protected) and
 * requires both readings of a trailing slash to be allowed.
 */
import { describe, expect, it } from 'vitest';
import { expectRefused, useFileHarness } from '../proxy/harness.js';

const POLICY = `
unprotected: deny
resources:
  - path: /admin
    conditions:
      - httpMethods: [GET]
        scopes: [admin]
  - path: /??
    public: true
`;

const harness = useFileHarness({ policy: POLICY });

describe('matrix parameters and trailing slashes cannot dodge a protected resource', () => {
  it.each(['/admin;x=1', '/admin;', '/ADMIN;jsessionid=abc', '/admin/'])('%s is treated as /admin: 401, not public', async (target) => {
    await expectRefused(harness(), target, 401, 'uma_ticket');
  });

  it.each(['/x;/../admin', '/public/..;/admin', '/a/;x=1/b'])('%s → 400 (a segment that is empty or a dot segment after stripping)', async (target) => {
    await expectRefused(harness(), target, 400, 'bad_path');
  });

  it('a public path with a trailing slash is forwarded when both readings are public', async () => {
    const h = harness();
    const res = await h.send('/docs/');
    expect(res.status).toBe(200);
    expect(h.backend.seen.at(-1)?.url).toBe('/docs/');
  });
});
