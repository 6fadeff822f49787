/**
 * Advisory class: fragments in the request target (GHSA-pxq7-h93f-9jrg / CVE-2026-41059,
 * oauth2-proxy). Attack: a raw `#` in the request-target (browsers never send one, raw clients
 * can) widened a skip pattern: `/admin#/public/x` matched the public rule while the backend
 * served /admin. umagate rejects any `#` (raw or after decoding `%23` would be a literal, which
 * is fine) with 400.
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

describe('fragments', () => {
  it.each(['/admin#/public/x', '/public/x#', '/admin?x=1#/public'])('%s → 400 bad_path, nothing forwarded', async (target) => {
    const res = await h.send(target);
    expect(res.status).toBe(400);
    expect(res.json().code).toBe('bad_path');
    expect(h.backend.seen).toHaveLength(0);
  });
});
