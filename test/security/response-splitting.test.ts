/**
 * Attack class: response splitting and header injection (CWE-113). Anything the proxy echoes into
 * a response header is a way to add headers or a whole second response: the client's
 * X-Request-Id (echoed on rejections and passed to the backend and the logs), and oxd's
 * WWW-Authenticate (sent verbatim). On the WebSocket path rejections are written as raw bytes,
 * with none of ServerResponse's checks. A client id is echoed only when it is a short plain token
 * (else a fresh UUID); CR/LF in a request header is refused by Node's parser; an oxd header that
 * is not a valid header value is oxd garbage → 503 (enforce.ts), and the raw writer refuses to
 * write any invalid value (respond.ts).
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { writeRejectionToSocket } from '../../src/proxy/respond.js';
import { closeServer, listenOn } from '../helpers/listen.js';
import { startHarness, type Harness } from '../proxy/harness.js';
import { rawExchange, statusOf } from '../helpers/raw-socket.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('client X-Request-Id', () => {
  it.each([
    ['too long', 'a'.repeat(129)],
    ['spaces and quotes', 'abc "def" <script>'],
    ['a JSON fragment', '","level":60,"msg":"forged'],
    ['a comma list (two headers joined)', 'a, b'],
  ])('%s is replaced by a UUID in the response, the backend and the log', async (_name, sent) => {
    h = await startHarness();
    const denied = await h.send('/nothing', { headers: { 'x-request-id': sent } });
    expect(denied.status).toBe(403);
    expect(String(denied.headers['x-request-id'])).toMatch(UUID);
    await h.send('/public/x', { headers: { 'x-request-id': sent } });
    expect(String(h.backend.seen.at(-1)?.headers['x-request-id'])).toMatch(UUID);
    expect(h.logs.text).not.toContain(sent);
  });

  it.each([
    ['CR LF', 'X-Request-Id: a\r\nSet-Cookie: pwned=1'],
    ['bare CR', 'X-Request-Id: a\rSet-Cookie: pwned=1'],
    ['bare LF', 'X-Request-Id: a\nSet-Cookie: pwned=1'],
    ['NUL', 'X-Request-Id: a\u0000b'],
  ])('%s inside the header is refused by the parser, never echoed', async (_name, header) => {
    h = await startHarness();
    const raw = await rawExchange(h.proxy.url, `GET /nothing HTTP/1.1\r\nHost: gw\r\n${header}\r\nConnection: close\r\n\r\n`);
    // Node may read a bare LF as a line end; then the "header" is harmless and refused (403).
    expect([400, 403]).toContain(statusOf(raw));
    expect(raw.toLowerCase()).not.toContain('set-cookie');
    expect(h.backend.seen).toHaveLength(0);
  });
});

describe("oxd's WWW-Authenticate", () => {
  const EVIL = { access: 'denied', ticket: 't-1', 'www-authenticate_header': 'UMA realm="rs",ticket="t-1"\r\nSet-Cookie: session=attacker' };

  it('with CR/LF is oxd garbage: 503, on the HTTP path', async () => {
    h = await startHarness();
    h.oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'answer', data: EVIL } });
    const res = await h.send('/photo');
    expect(res.status).toBe(503);
    expect(res.json().code).toBe('authorization_unavailable');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('with CR/LF is oxd garbage: 503, on the raw WebSocket path, with no injected header', async () => {
    h = await startHarness();
    h.oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'answer', data: EVIL } });
    const raw = await rawExchange(
      h.proxy.url,
      'GET /photo HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(statusOf(raw)).toBe(503);
    expect(raw.toLowerCase()).not.toContain('set-cookie');
  });

  it('the raw writer itself never writes an invalid header value', async () => {
    const server = createServer();
    const port = await listenOn(server);
    try {
      const accepted = once(server, 'connection') as Promise<[Socket]>;
      const client = connect(port, '127.0.0.1');
      const [socket] = await accepted;
      let raw = '';
      client.on('data', (c: Buffer) => {
        raw += c.toString('latin1');
      });
      const closed = once(client, 'close');
      writeRejectionToSocket(socket, { code: 'uma_ticket', ticket: 't', wwwAuthenticate: 'UMA x\r\nSet-Cookie: a=b' }, 'rid');
      await closed;
      expect(statusOf(raw)).toBe(500);
      expect(raw.toLowerCase()).not.toContain('set-cookie');
    } finally {
      await closeServer(server);
    }
  });
});
