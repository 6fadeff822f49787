/**
 * Attack class: double percent-encoding. `%252e%252e` decodes once to `%2e%2e`, which the proxy
 * saw as an ordinary segment (public under `/public/??`) and forwarded; a backend that decodes
 * twice (a servlet filter plus the framework, or an app calling decodeURIComponent on an
 * already-decoded path) reads `..` and serves `/admin`. Equally `%252f` becomes a second-level
 * `/`. The proxy cannot know how often a backend decodes, so a segment whose decoded text still
 * holds a percent-escape is refused with 400 `bad_path` (policy/segment.ts). A lone `%25` that
 * forms no escape (`/100%25`, `/50%25off`) is still fine.
 */
import { describe, expect, it } from 'vitest';
import { expectRefused, useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness();

describe('double-encoded escapes', () => {
  it.each([
    ['/public/%252e%252e/admin'],
    ['/public/%252E%252E/admin'],
    ['/public/..%252fadmin'],
    ['/public/%25%32%65%25%32%65/admin'],
    ['/public/%2500'],
    ['/public/x;%252e'],
  ])('%s → 400 bad_path, nothing forwarded', async (target) => {
    const h = harness();
    await expectRefused(h, target, 400, 'bad_path');
  });

  it.each(['/public/100%25', '/public/50%25off', '/public/%25'])('%s, a literal "%", is forwarded as sent', async (target) => {
    const h = harness();
    const res = await h.send(target);
    expect(res.status).toBe(200);
    expect(h.backend.seen.at(-1)?.url).toBe(target);
  });
});
