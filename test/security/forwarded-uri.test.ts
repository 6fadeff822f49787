/**
 * Advisory class: forwarded-URI trust (GHSA-7x63-xv5r-3p2x / CVE-2026-40575, oauth2-proxy, and
 * the incomplete fix in oauth2-proxy#3506; ory/oathkeeper#1003). Attack: the proxy evaluated a
 * client-sent `X-Forwarded-Uri` / `X-Original-URL` (pointing at a public path) while the real
 * path was forwarded — or the backend honoured `X-Original-URL` / `X-Rewrite-URL` and served
 * another resource than the one authorised. umagate decides on the request-target only and
 * strips these headers before the backend unless the peer is a trusted proxy.
 */
import { describe, expect, it } from 'vitest';
import { useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness();

const HINTS = { 'X-Forwarded-Uri': '/health', 'X-Original-URL': '/health', 'X-Rewrite-URL': '/health', 'X-Forwarded-Path': '/health' };

describe('client-sent URI hints', () => {
  it('never select the rule: GET /admin with hints at a public path is still 401', async () => {
    const h = harness();
    const res = await h.send('/admin', { headers: HINTS });
    expect(res.status).toBe(401);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('never reach the backend: a public request arrives without them', async () => {
    const h = harness();
    const res = await h.send('/health', { headers: { 'X-Original-URL': '/admin', 'X-Rewrite-URL': '/admin', 'X-Forwarded-Uri': '/admin' } });
    expect(res.status).toBe(200);
    const seen = h.backend.seen.at(-1)!;
    expect(seen.url).toBe('/health');
    expect(seen.headers['x-original-url']).toBeUndefined();
    expect(seen.headers['x-rewrite-url']).toBeUndefined();
    expect(seen.headers['x-forwarded-uri']).toBeUndefined();
  });
});
