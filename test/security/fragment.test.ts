/**
 * Advisory class: fragments in the request target (GHSA-pxq7-h93f-9jrg / CVE-2026-41059,
 * oauth2-proxy). Attack: a raw `#` in the request-target (browsers never send one, raw clients
 * can) widened a skip pattern: `/admin#/public/x` matched the public rule while the backend
 * served /admin. umagate rejects any `#` (raw or after decoding `%23` would be a literal, which
 * is fine) with 400.
 */
import { describe, it } from 'vitest';
import { expectRefused, useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness();

describe('fragments', () => {
  it.each(['/admin#/public/x', '/public/x#', '/admin?x=1#/public'])('%s → 400 bad_path, nothing forwarded', async (target) => {
    await expectRefused(harness(), target, 400, 'bad_path');
  });
});
