/**
 * Attack class: tunnelling past enforcement with an upgrade (h2c smuggling, Bishop Fox 2020;
 * gogatekeeper#666). Once a proxy relays `101 Switching Protocols`, every later byte on the
 * connection is an opaque tunnel the proxy no longer inspects: with `Upgrade: h2c` the attacker
 * then speaks HTTP/2 straight to the backend and requests `/admin`. umagate only relays WebSocket
 * upgrades of GET, after the same decision as a GET of that path; h2c, POST upgrades, duplicate or
 * listed Upgrade values are refused with 400, and denied WebSocket paths get the normal answer —
 * in every case the backend sees nothing. Raw sockets: `ws` would refuse to send some of these.
 *
 * Also here, the audit trail of an upgrade: it used to be logged and counted as `101` with the
 * decision's outcome before the backend was even reached, so an upgrade to a dead upstream, which
 * the client saw as 502, showed in the log and the metrics as a successful switch. The line is
 * now written when the outcome is known.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHarness, useFileHarness } from '../proxy/harness.js';
import { rawExchange, statusOf } from '../helpers/raw-socket.js';

const harness = useFileHarness();
const WS = 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

async function upgrade(requestHead: string): Promise<{ status: number; raw: string; forwarded: number }> {
  const h = harness();
  const before = h.backend.seen.length;
  const raw = await rawExchange(h.proxy.url, `${requestHead}\r\n`);
  return { status: statusOf(raw), raw, forwarded: h.backend.seen.length - before };
}

describe('upgrades that must not become tunnels', () => {
  it.each([
    ['h2c on a public path', 'GET /public/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n'],
    ['h2c listed after websocket', `GET /public/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket, h2c\r\n${WS}`],
    ['two Upgrade headers', `GET /public/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nUpgrade: h2c\r\n${WS}`],
    ['WebSocket on POST', `POST /public/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n${WS}`],
    ['TLS upgrade', 'GET /public/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: TLS/1.2\r\n'],
  ])('%s → 400 bad_request, nothing reaches the backend', async (_name, head) => {
    const { status, raw, forwarded } = await upgrade(head);
    expect(status).toBe(400);
    expect(raw).toContain('"code":"bad_request"');
    // The status line, not the body: a random request id may well contain "101".
    expect(raw).not.toMatch(/^HTTP\/1\.1 101/m);
    expect(forwarded).toBe(0);
  });

  it.each([
    ['a protected path without an RPT', '/admin', 401],
    ['a bad path', '/public/%2e%2e/admin', 400],
    ['a path matching nothing', '/nothing', 403],
    ['a look-alike path', '/public/%EF%BC%8E%EF%BC%8E/admin', 400],
  ])('a WebSocket upgrade of %s is answered %i like a GET, not tunnelled', async (_name, path, expected) => {
    const { status, forwarded } = await upgrade(`GET ${path} HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${WS}`);
    expect(status).toBe(expected);
    expect(forwarded).toBe(0);
  });

  it('an Upgrade header without Connection: upgrade is an ordinary request, its Upgrade dropped', async () => {
    const h = harness();
    const raw = await rawExchange(h.proxy.url, 'GET /public/x HTTP/1.1\r\nHost: gw\r\nUpgrade: h2c\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(200);
    expect(h.backend.seen.at(-1)?.headers.upgrade).toBeUndefined();
  });
});

describe('the log line and metric of an upgrade', () => {
  it('an upgrade to a dead upstream is logged and counted as upstream_unreachable, not 101', async () => {
    // Port 1 (tcpmux) is not served on a test machine: the connection is refused.
    const h = await startHarness({ proxy: { upstream: 'http://127.0.0.1:1' } });
    onTestFinished(() => h.close());
    const raw = await rawExchange(h.proxy.url, `GET /public/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${WS}\r\n`);
    expect(statusOf(raw)).toBe(502);
    const line = await h.logs.waitFor('the request line of the upgrade', (l) => l.msg === 'request' && l.path === '/public/x');
    expect(line).toMatchObject({ outcome: 'upstream_unreachable', status: 502, pattern: '/public/??' });
    const metrics = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    expect(metrics).toContain('umagate_requests_total{outcome="upstream_unreachable",pattern="/public/??"} 1');
    expect(metrics).not.toMatch(/umagate_requests_total\{outcome="public"/);
  });
});
