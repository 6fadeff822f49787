/**
 * Advisory class: query-string matching (GHSA-7rh7-c77v-6434, oauth2-proxy). Attack: the skip
 * rule's regex ran over path + query, so `/admin?/public/x` matched a public pattern and the
 * backend served /admin. umagate matches the canonical path only; the query is forwarded as
 * sent but never consulted.
 */
import { describe, expect, it } from 'vitest';
import { expectRefused, useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness();

describe('the query never selects a rule', () => {
  it.each(['/admin?/public/x', '/admin?path=/health', '/admin?/health'])('%s is judged as /admin (401)', async (target) => {
    await expectRefused(harness(), target, 401, 'uma_ticket');
  });

  it('a public path keeps its query verbatim upstream', async () => {
    const h = harness();
    const res = await h.send('/health?next=/admin&x=%2F');
    expect(res.status).toBe(200);
    expect(h.backend.seen.at(-1)?.url).toBe('/health?next=/admin&x=%2F');
  });
});
