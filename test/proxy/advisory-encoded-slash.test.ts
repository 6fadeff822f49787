/**
 * Advisory class: encoded separators (CVE-2026-74909 keycloak; caddy PR #4407/#7941).
 * Attack: `%2F` / `%5C` decode to `/` / `\` *after* the proxy matched, re-creating dot segments
 * or new path levels that the backend (or a framework behind it) then walks: `/public/..%2fadmin`
 * is one harmless-looking segment to a raw matcher and `/admin` to the backend. Raw backslashes
 * are read as `/` by some servers (and by WHATWG URL). umagate rejects all of them with 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('encoded slashes and backslashes are refused', () => {
  it.each(['/public/..%2fadmin', '/public%2F..%2Fadmin', '/public/a%2Fb', '/public/..%5cadmin', '/public\\..\\admin', '/public//admin', '//admin'])(
    '%s → 400 bad_path',
    async (target) => {
      const res = await h.send(target);
      expect(res.status).toBe(400);
      expect(res.json().code).toBe('bad_path');
      expect(h.backend.seen).toHaveLength(0);
    },
  );
});
