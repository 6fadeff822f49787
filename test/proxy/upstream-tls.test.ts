/**
 * An https:// upstream is verified against the upstream URL's host, never against the Host the
 * client sent. Clients address the gateway by its public name (`Host: gateway.example`), which
 * the backend's certificate does not carry: verifying against it failed every request with a
 * certificate error (502), and let a client pick the name the proxy would accept — with a
 * certificate for that name, whoever sat between proxy and backend could answer in its place.
 * A backend signed by a private CA is trusted with --upstream-ca-file.
 */
import { createServer, type Server } from 'node:https';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { closeServer, listenOn } from '../helpers/listen.js';
import { rawExchange, statusOf } from '../helpers/raw-socket.js';
import { hasOpenssl, makeSelfSignedCert, removeCert, type SelfSignedCert } from '../helpers/tls.js';
import { startHarness } from './harness.js';

interface Seen {
  /** The SNI the proxy sent (Node: false without one). */
  readonly servername: unknown;
  readonly host: string | undefined;
}

const WS = 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

describe.skipIf(!hasOpenssl)('an https:// upstream (needs the openssl CLI to mint a certificate for localhost and 127.0.0.1)', () => {
  let cert: SelfSignedCert;
  let backend: Server;
  let port: number;
  const seen: Seen[] = [];

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    backend = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      seen.push({ servername: Reflect.get(req.socket, 'servername'), host: req.headers.host });
      req.resume();
      res.end('tls backend');
    });
    backend.on('upgrade', (req, socket) => {
      seen.push({ servername: Reflect.get(req.socket, 'servername'), host: req.headers.host });
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    port = await listenOn(backend);
  });

  afterAll(async () => {
    await closeServer(backend);
    removeCert(cert);
  });

  async function proxyTo(upstream: string, caFile: string | undefined): Promise<string> {
    const h = await startHarness({ proxy: { upstream, ...(caFile === undefined ? {} : { upstreamCaFile: caFile }) } });
    onTestFinished(() => h.close());
    return h.proxy.url;
  }

  it.each([
    ['by name', 'localhost', 'localhost'],
    ['by IP address (no SNI: RFC 6066 forbids an address there)', '127.0.0.1', false],
  ] as const)('reached %s, whatever Host the client sent, with SNI and the check on the upstream host', async (_name, host, servername) => {
    const url = await proxyTo(`https://${host}:${port}`, cert.certFile);
    const before = seen.length;
    const raw = await rawExchange(url, 'GET /public/x HTTP/1.1\r\nHost: gateway.example\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(200);
    expect(raw).toContain('tls backend');
    expect(seen.slice(before)).toEqual([{ servername, host: 'gateway.example' }]);
  });

  it('a WebSocket upgrade is verified the same way', async () => {
    const url = await proxyTo(`https://localhost:${port}`, cert.certFile);
    const before = seen.length;
    const raw = await rawExchange(url, `GET /public/x HTTP/1.1\r\nHost: gateway.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${WS}\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 101/);
    expect(seen.slice(before)).toEqual([{ servername: 'localhost', host: 'gateway.example' }]);
  });

  it('a certificate no trusted CA signed is refused: 502, nothing reaches the backend', async () => {
    const url = await proxyTo(`https://localhost:${port}`, undefined);
    const before = seen.length;
    const raw = await rawExchange(url, 'GET /public/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(502);
    expect(raw).toContain('"code":"upstream_unreachable"');
    expect(seen.length).toBe(before);
  });
});
