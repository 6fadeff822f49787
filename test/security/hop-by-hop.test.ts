/**
 * Attack class: hop-by-hop abuse. A client may name any header in `Connection`, and a proxy must
 * then drop it (RFC 9110 §7.6.1). The attacker uses that to make the proxy remove a header the
 * proxy itself relies on, or to keep one it should have replaced: `Connection: X-Forwarded-For`
 * hoping the client's own X-Forwarded-For survives, or the proxy's is lost; `Connection:
 * x-request-id` to break request correlation; `Connection: Authorization` to pass a checked RPT's
 * request on without it. (Framing headers named in Connection are the smuggling class:
 * request-smuggling.test.ts.) The proxy's X-Forwarded-* and X-Request-Id are set after the
 * connection options are dropped, so they always reach the backend, and only its own values.
 *
 * The other direction: the client's own `Connection: close` (or HTTP/1.0 without keep-alive) must
 * still be honoured. Found by reading the code: the hop-by-hop headers were deleted from the
 * client's request object itself, so http-proxy no longer saw the client's `close`, answered
 * `connection: keep-alive`, and the socket lingered until the keep-alive timeout (~6 s instead
 * of at once) — a cheap way to hold server sockets open. The backend's own `Connection` and
 * `Keep-Alive` describe its connection to the proxy and are not passed on either.
 */
import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { bearer, useFileHarness } from '../proxy/harness.js';
import { statusOf } from '../helpers/raw-socket.js';

const harness = useFileHarness();

describe('Connection options', () => {
  it('cannot remove or replace the forwarding headers the proxy sets', async () => {
    const h = harness();
    const res = await h.send('/public/x', {
      headers: {
        connection: 'keep-alive, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, X-Request-Id',
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'admin.internal',
        'x-request-id': 'client-id-1',
      },
    });
    expect(res.status).toBe(200);
    const seen = h.backend.seen.at(-1);
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-host']).toBe(`127.0.0.1:${new URL(h.proxy.url).port}`);
    expect(seen?.headers['x-request-id']).toBe('client-id-1');
    expect(seen?.headers.connection ?? '').not.toContain('X-Forwarded');
  });

  it('naming Authorization drops it from what the backend sees, after the RPT was checked', async () => {
    const h = harness();
    const rpt = await h.obtainRpt('GET', '/photo');
    const res = await h.send('/photo', { headers: { ...bearer(rpt), connection: 'close, Authorization' } });
    expect(res.status).toBe(200);
    expect(h.backend.seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('naming Authorization without a valid RPT does not skip the check', async () => {
    const h = harness();
    const before = h.backend.seen.length;
    const res = await h.send('/photo', { headers: { authorization: 'Bearer forged', connection: 'Authorization' } });
    expect(res.status).toBe(401);
    expect(h.backend.seen.length).toBe(before);
  });
});

/** Sends `text`, then resolves with the answer and how long the proxy took to close the socket. */
function exchangeTimed(base: string, text: string): Promise<{ raw: string; closedAfterMs: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
    let raw = '';
    socket.on('data', (c: Buffer) => {
      raw += c.toString('latin1');
    });
    socket.on('close', () => {
      resolve({ raw, closedAfterMs: performance.now() - started });
    });
    socket.on('error', reject);
  });
}

describe("the client's own Connection header", () => {
  it.each([
    ['HTTP/1.1 with Connection: close', 'GET /public/x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.1 with Connection: close and another option', 'GET /public/x HTTP/1.1\r\nHost: gw\r\nX-Hop: 1\r\nConnection: X-Hop, close\r\n\r\n'],
    ['HTTP/1.0 without keep-alive', 'GET /public/x HTTP/1.0\r\nHost: gw\r\n\r\n'],
  ])('%s: answered with connection: close and the socket closed at once', async (_name, text) => {
    const h = harness();
    const { raw, closedAfterMs } = await exchangeTimed(h.proxy.url, text);
    expect(statusOf(raw.replace(/^HTTP\/1\.0/, 'HTTP/1.1'))).toBe(200);
    const head = (raw.split('\r\n\r\n')[0] ?? '').toLowerCase();
    expect(head).toContain('\r\nconnection: close');
    // The backend's keep-alive parameters describe its connection to the proxy, not the client's.
    expect(head).not.toContain('keep-alive');
    // Kept alive, the socket would close only at the server's 5 s keep-alive timeout.
    expect(closedAfterMs).toBeLessThan(1_000);
  });

  it('an HTTP/1.1 client that says nothing is kept alive', async () => {
    const h = harness();
    const res = await h.send('/public/x', { headers: { connection: 'keep-alive' } });
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe('keep-alive');
  });
});
