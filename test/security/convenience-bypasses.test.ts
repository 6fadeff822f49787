/**
 * Attack class: "convenience" exemptions. CVE-2026-34457 (oauth2-proxy GHSA-5hvv-m4w4-gf6v): in
 * auth_request mode, a request carrying the configured health-check User-Agent passed on any
 * path; earlier an empty User-Agent was taken for a health check (oauth2-proxy#649/#657).
 * CVE-2026-9800 (keycloak#50352): `request.getURI().contains(onDenyRedirectTo)` let any URL that
 * merely contained the deny page's path — even in its query — skip every check. umagate has no
 * such exemptions: a decision depends on the method, the canonical path compared segment by
 * segment, and the RPT, never on User-Agent, Referer or a substring. These tests keep it so.
 */
import { describe, expect, it } from 'vitest';
import { useFileHarness } from '../proxy/harness.js';
import { rawExchange, statusOf } from '../helpers/raw-socket.js';

const harness = useFileHarness();

describe('no client-chosen header exempts a request', () => {
  it.each([
    ['kube-probe', 'User-Agent: kube-probe/1.29\r\n'],
    ['ELB health checker', 'User-Agent: ELB-HealthChecker/2.0\r\n'],
    ['Google health checker', 'User-Agent: GoogleHC/1.0\r\n'],
    ['an empty User-Agent', 'User-Agent: \r\n'],
    ['no User-Agent', ''],
    ['a Referer at a public path', 'Referer: http://gw/health\r\n'],
    ['X-Health-Check', 'X-Health-Check: true\r\n'],
  ])('%s on GET /admin → 401 with a ticket, nothing forwarded', async (_name, header) => {
    const h = harness();
    const before = h.backend.seen.length;
    const raw = await rawExchange(h.proxy.url, `GET /admin HTTP/1.1\r\nHost: gw\r\n${header}Connection: close\r\n\r\n`);
    expect(statusOf(raw)).toBe(401);
    expect(raw).toContain('"code":"uma_ticket"');
    expect(h.backend.seen.length).toBe(before);
  });
});

describe('a path containing a public path is not public', () => {
  it.each([
    ['/admin/health', 403],
    ['/health/../admin', 400],
    ['/adminhealth', 403],
    ['/health-admin', 403],
    ['/admin/public/x', 403],
    ['/admin?next=/health', 401],
    ['/admin;/health', 403],
  ])('%s → %i, nothing forwarded', async (target, status) => {
    const h = harness();
    const before = h.backend.seen.length;
    const res = await h.send(target);
    expect(res.status).toBe(status);
    expect(h.backend.seen.length).toBe(before);
  });
});
