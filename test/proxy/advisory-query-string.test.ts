/**
 * Advisory class: query-string matching (GHSA-7rh7-c77v-6434, oauth2-proxy). Attack: the skip
 * rule's regex ran over path + query, so `/admin?/public/x` matched a public pattern and the
 * backend served /admin. umagate matches the canonical path only; the query is forwarded as
 * sent but never consulted.
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

describe('the query never selects a rule', () => {
  it.each(['/admin?/public/x', '/admin?path=/health', '/admin?/health'])('%s is judged as /admin (401)', async (target) => {
    const res = await h.send(target);
    expect(res.status).toBe(401);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('a public path keeps its query verbatim upstream', async () => {
    const res = await h.send('/health?next=/admin&x=%2F');
    expect(res.status).toBe(200);
    expect(h.backend.seen.at(-1)?.url).toBe('/health?next=/admin&x=%2F');
  });
});
