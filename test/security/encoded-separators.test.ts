/**
 * Advisory class: encoded separators (CVE-2026-74909 keycloak; caddy PR #4407/#7941).
 * Attack: `%2F` / `%5C` decode to `/` / `\` *after* the proxy matched, re-creating dot segments
 * or new path levels that the backend (or a framework behind it) then walks: `/public/..%2fadmin`
 * is one harmless-looking segment to a raw matcher and `/admin` to the backend. Raw backslashes
 * are read as `/` by some servers (and by WHATWG URL). umagate rejects all of them with 400.
 */
import { describe, it } from 'vitest';
import { expectRefused, useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness();

describe('encoded slashes and backslashes are refused', () => {
  it.each(['/public/..%2fadmin', '/public%2F..%2Fadmin', '/public/a%2Fb', '/public/..%5cadmin', '/public\\..\\admin', '/public//admin', '//admin'])(
    '%s → 400 bad_path',
    async (target) => {
      await expectRefused(harness(), target, 400, 'bad_path');
    },
  );
});
