/**
 * Advisory class: header-case and underscore spoofing (CVE-2020-14359 keycloak-gatekeeper;
 * CVE-2025-64484 oauth2-proxy GHSA-vjrc-mh2v-45x6). Attack: the proxy stripped
 * `X-Forwarded-Email` but not `x-forwarded-email` or `X_Forwarded_Email`; WSGI/PHP/Jetty folded
 * them into the trusted header and believed the client's identity or origin. umagate compares
 * header names case-insensitively with `_` read as `-` and drops every X-Forwarded-*, Forwarded,
 * X-Original-URL, X-Rewrite-URL and method-override header unless the peer is a trusted proxy.
 *
 * The same goes for the client-address headers CDNs and load balancers set (True-Client-IP,
 * X-Client-IP, CF-Connecting-IP, …) and the "original URL" headers of other proxies
 * (X-Original-Path, X-Request-Uri, X-Envoy-Original-Url, …): found by attacking the running
 * proxy, they reached the backend from any client, which could so pick the address a backend
 * allow-list or rate limit sees, or the path a framework believes was asked for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../proxy/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const SPOOFED = {
  'X-Forwarded-Email': 'admin@example.org',
  x_forwarded_user: 'admin',
  'X_FORWARDED_FOR': '10.0.0.1',
  'x-forwarded-proto': 'https',
  Forwarded: 'for=10.0.0.1;proto=https',
  'X-Real-IP': '10.0.0.1',
  'X-HTTP-Method-Override': 'DELETE',
  x_http_method: 'DELETE',
  'X-Method-Override': 'DELETE',
  'True-Client-IP': '10.0.0.1',
  'X-Client-IP': '10.0.0.1',
  'Client-IP': '10.0.0.1',
  'X-Cluster-Client-IP': '10.0.0.1',
  'CF-Connecting-IP': '10.0.0.1',
  'Fastly-Client-IP': '10.0.0.1',
  'X-Original-Path': '/admin',
  'X-Request-Uri': '/admin',
  'X-Rewrite-Uri': '/admin',
  'X-Envoy-Original-Url': 'http://gw/admin',
  x_original_host: 'admin.internal',
};

function forwardingNames(rawHeaders: readonly string[]): string[] {
  return rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase().replaceAll('_', '-'));
}

describe('spoofed forwarding and override headers', () => {
  it('are dropped from an untrusted peer, whatever their case or separators', async () => {
    h = await startHarness();
    const res = await h.send('/health', { headers: SPOOFED });
    expect(res.status).toBe(200);
    const seen = h.backend.seen[0]!;
    const names = forwardingNames(seen.rawHeaders);
    for (const name of Object.keys(SPOOFED).map((n) => n.toLowerCase().replaceAll('_', '-'))) {
      if (name === 'x-forwarded-for' || name === 'x-forwarded-proto') continue; // replaced, below
      expect(names).not.toContain(name);
    }
    // The proxy's own values replace the client's.
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.method).toBe('GET');
  });

  it('are kept (and X-Forwarded-For extended) when the peer is in --trust-proxy', async () => {
    h = await startHarness({ proxy: { trustProxy: '127.0.0.1/32' } });
    await h.send('/health', { headers: { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https', 'True-Client-IP': '203.0.113.9' } });
    const seen = h.backend.seen[0]!;
    expect(seen.headers['true-client-ip']).toBe('203.0.113.9');
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
  });
});
