/**
 * Attack class: parser differential between the matched and the forwarded path (invariant 2:
 * one canonical path is matched AND forwarded). http-proxy 1.18 builds the upstream path with
 * `common.urlJoin`, which ends in `.replace('http:/', 'http://')`: the canonical path
 * `/public/http:/admin` (segments `public`, `http:`, `admin`) reaches the backend as
 * `/public/http://admin`, with an extra empty segment the proxy never matched. No bypass is
 * known with the current pattern syntax (a backend that merges slashes reads the matched path),
 * but the forwarded string is no longer the matched one. The fix belongs in forward.ts (owned by
 * the performance work): set the outgoing path itself, e.g. in the 'proxyReq' handler
 * `proxyReq.path = basePath + req.url`, or pass `ignorePath: true` with a per-request target.
 * Marked `fails` until then: when forward.ts is fixed this test fails, and `.fails` must go.
 */
import { describe, expect, it } from 'vitest';
import { useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness();

describe('the forwarded path is the canonical path', () => {
  it('ordinary paths are forwarded byte for byte', async () => {
    const h = harness();
    await h.send('/public/a:b/c%20d;x=1?q=http:/x');
    expect(h.backend.seen.at(-1)?.url).toBe('/public/a:b/c%20d;x=1?q=http:/x');
  });

  it.fails('a segment ending in "http:" is forwarded unchanged (http-proxy urlJoin rewrites it)', async () => {
    const h = harness();
    await h.send('/public/http:/admin');
    expect(h.backend.seen.at(-1)?.url).toBe('/public/http:/admin');
  });
});
