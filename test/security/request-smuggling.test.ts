/**
 * Attack class: request smuggling (CWE-444), the family behind node-http-proxy#1720 and
 * CVE-2026-29057. The attacker hides a second request — here `GET /admin`, which needs a grant —
 * in the body of a request the proxy forwards (a public one), so that the backend parses it as
 * a request of its own that never went through authorization.
 *
 * http-proxy's deleteLength pass (node-http-proxy#1720 / #1721): for a DELETE or OPTIONS with
 * `Transfer-Encoding: chunked` and no Content-Length it sets `content-length: 0` and deletes
 * Transfer-Encoding — yet still pipes the body, so the backend reads an empty DELETE and then the
 * body as a second request. Such requests get 400 before anything is forwarded; other chunked
 * requests keep their chunked framing intact.
 *
 * Found here: a client could name a framing header as a connection option
 * (`Connection: close, Content-Length` or `…, Transfer-Encoding`). The proxy removed it as
 * hop-by-hop, and then Node wrote the body of a GET/HEAD to the backend with no framing at all,
 * and http-proxy gave a DELETE/OPTIONS `content-length: 0` while still piping the body: either
 * way the backend read `GET /admin` as the next request. Now such requests get 400 bad_request
 * (request-headers.ts framingProblem) and framing headers are never dropped on the client's say.
 *
 * Upgrade requests carrying a body (found by attacking the running proxy): a `GET` with
 * `Upgrade: websocket` and a Content-Length (or Transfer-Encoding) on a path the attacker may
 * reach was forwarded with its framing header but without its body. When the backend did not
 * switch protocols, the upstream keep-alive connection went back to the pool while the backend
 * still waited for those bytes: the next request sent on it was partly eaten as that body, and
 * what followed was parsed as a request umagate never judged (a protected resource served with
 * no RPT, or another user's request left hanging). Now an upgrade request with any body framing
 * is refused with 400 before it is judged, and an upstream connection that carried an upgrade
 * attempt is never used again, whatever the backend answered.
 *
 * Also pinned: the ambiguous framings Node's own parser refuses before umagate sees them
 * (Transfer-Encoding with Content-Length, `chunked, identity`, `identity`, duplicated TE,
 * differing duplicate Content-Length, obs-fold). A raw `net` client sends the bytes as written;
 * a raw `net` upstream records exactly what a backend would parse.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../proxy/harness.js';
import { rawExchange, startRawUpstream, statusOf, type RawUpstream } from '../helpers/raw-socket.js';

let h: Harness | null = null;
let up: RawUpstream | null = null;
afterEach(async () => {
  await h?.close();
  await up?.close();
  h = null;
  up = null;
});

const SMUGGLED = 'GET /admin HTTP/1.1\r\nHost: backend\r\n\r\n';
const chunked = (body: string): string => `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

async function start(complete?: (received: string) => boolean): Promise<{ h: Harness; up: RawUpstream }> {
  up = await startRawUpstream(complete);
  h = await startHarness({ proxy: { upstream: up.url } });
  return { h, up };
}

describe('node-http-proxy#1720 deleteLength smuggling', () => {
  it.each(['DELETE', 'OPTIONS'])('%s with a chunked body is refused with 400 and nothing reaches the upstream', async (method) => {
    const { h, up } = await start();
    const response = await rawExchange(h.proxy.url, `${method} /public/1 HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked(SMUGGLED)}`);
    expect(response).toMatch(/^HTTP\/1\.1 400/);
    expect(response).toContain('"code":"bad_request"');
    // The proxy answers before forwarding anything, so nothing can still be on its way.
    expect(up.bytes()).toBe('');
  });

  it('a chunked POST is forwarded with its body framed (chunked, or its exact length), never as a second request', async () => {
    // The forwarder sends the body as it arrives, chunked, unless all of it is already there,
    // when it sends its exact Content-Length: either framing keeps the would-be request inside
    // the body. This upstream reads the whole body before answering: one answering on the head
    // alone would see the rest dropped with the connection (the forwarder stops sending a body
    // once its answer is complete), leaving no body to look at.
    const exactLength = `content-length: ${SMUGGLED.length}\r\n\r\n`;
    const { h, up } = await start((r) => r.endsWith('\r\n0\r\n\r\n') || (r.toLowerCase().includes(exactLength) && r.endsWith(`${exactLength.slice(-4)}${SMUGGLED}`)));
    const response = await rawExchange(h.proxy.url, `POST /public/1 HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked(SMUGGLED)}`);
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    const bytes = up.bytes();
    const [head = '', ...rest] = bytes.split('\r\n\r\n');
    expect(head).toMatch(/^POST \/public\/1 HTTP\/1\.1\r\n/);
    const framing = /^transfer-encoding: chunked$/im.test(head) ? 'chunked' : head.toLowerCase().match(/^content-length: (\d+)$/m)?.[1];
    const body = rest.join('\r\n\r\n');
    if (framing === 'chunked') {
      // The would-be request only ever travels inside a chunk, after its size line.
      expect(body).toBe(chunked(SMUGGLED));
    } else {
      expect(framing).toBe(String(SMUGGLED.length));
      expect(body).toBe(SMUGGLED);
    }
  });
});

describe('Connection naming a framing header', () => {
  it.each([
    ['GET', 'Content-Length', `Content-Length: ${SMUGGLED.length}`, SMUGGLED],
    ['HEAD', 'content-length', `Content-Length: ${SMUGGLED.length}`, SMUGGLED],
    ['DELETE', 'Content-Length', `Content-Length: ${SMUGGLED.length}`, SMUGGLED],
    ['OPTIONS', 'CONTENT-LENGTH', `Content-Length: ${SMUGGLED.length}`, SMUGGLED],
    ['GET', 'Transfer-Encoding', 'Transfer-Encoding: chunked', chunked(SMUGGLED)],
    ['POST', 'transfer-encoding', 'Transfer-Encoding: chunked', chunked(SMUGGLED)],
  ])('%s with `Connection: close, %s` is refused with 400 and nothing reaches the upstream', async (method, token, framing, body) => {
    const { h, up } = await start();
    const response = await rawExchange(h.proxy.url, `${method} /public/x HTTP/1.1\r\nHost: gw\r\n${framing}\r\nConnection: close, ${token}\r\n\r\n${body}`);
    expect(statusOf(response)).toBe(400);
    if (method !== 'HEAD') expect(response).toContain('"code":"bad_request"');
    // The proxy answers before forwarding anything, so nothing can still be on its way.
    expect(up.bytes()).toBe('');
  });

  it('a harmless connection option is still removed, and the body keeps its framing', async () => {
    const { h, up } = await start();
    const response = await rawExchange(
      h.proxy.url,
      `GET /public/x HTTP/1.1\r\nHost: gw\r\nContent-Length: ${SMUGGLED.length}\r\nX-Hop: secret\r\nConnection: close, X-Hop\r\n\r\n${SMUGGLED}`,
    );
    expect(statusOf(response)).toBe(200);
    // The upstream answers on the head alone: the body may still be on its way.
    await up.receivedThrough(SMUGGLED);
    const head = up.bytes().split('\r\n\r\n')[0] ?? '';
    expect(head).toMatch(/^GET \/public\/x HTTP\/1\.1\r\n/);
    expect(head.toLowerCase()).toContain(`content-length: ${SMUGGLED.length}`);
    expect(head.toLowerCase()).not.toContain('x-hop');
    // Exactly the declared body follows the head: the would-be request stays inside it.
    expect(up.bytes()).toBe(`${head}\r\n\r\n${SMUGGLED}`);
  });
});

describe('ambiguous framings are refused by the HTTP parser before enforcement', () => {
  it.each([
    ['TE and CL together', `POST /public/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`],
    ['TE chunked, identity', `POST /public/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked, identity\r\n\r\n${chunked(SMUGGLED)}`],
    ['TE identity', `POST /public/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: identity\r\n\r\n${SMUGGLED}`],
    ['TE twice', `POST /public/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`],
    ['two different CL', `POST /public/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
    ['obs-fold', `GET /public/x HTTP/1.1\r\nHost: gw\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`],
    ['space before colon', `POST /public/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding : chunked\r\nContent-Length: 0\r\n\r\n${chunked(SMUGGLED)}`],
  ])('%s → 400, nothing forwarded', async (_name, text) => {
    const { h, up } = await start();
    const response = await rawExchange(h.proxy.url, text);
    expect(statusOf(response)).toBe(400);
    expect(up.bytes()).toBe('');
  });
});

const UPGRADE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

describe('upgrade requests carrying a body', () => {
  it.each([
    ['Content-Length', `Content-Length: ${SMUGGLED.length}\r\n`, SMUGGLED],
    ['Content-Length: 0', 'Content-Length: 0\r\n', ''],
    ['Transfer-Encoding', 'Transfer-Encoding: chunked\r\n', chunked(SMUGGLED)],
  ])('with %s → 400 bad_request before judging, nothing reaches the upstream', async (_name, framing, body) => {
    const { h, up } = await start();
    const response = await rawExchange(h.proxy.url, `GET /public/x HTTP/1.1\r\nHost: gw\r\n${UPGRADE}${framing}\r\n${body}`);
    expect(statusOf(response)).toBe(400);
    expect(response).toContain('"code":"bad_request"');
    expect(up.bytes()).toBe('');
    expect(h.logs.requests().at(-1)).toMatchObject({ outcome: 'bad_request', status: 400, path: null });
  });

  it('an upstream connection that carried an upgrade attempt is never reused, whatever the backend answered', async () => {
    const { h, up } = await start();
    // The raw upstream answers 200: it does not switch protocols.
    const refused = await rawExchange(h.proxy.url, `GET /public/upgrade HTTP/1.1\r\nHost: gw\r\n${UPGRADE}\r\n`);
    expect(statusOf(refused)).toBe(200);
    const next = await rawExchange(h.proxy.url, 'GET /public/next HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
    expect(statusOf(next)).toBe(200);
    const connections = up.connections();
    expect(connections).toHaveLength(2);
    expect(connections[0]).toMatch(/^GET \/public\/upgrade HTTP\/1\.1\r\n/);
    expect(connections[0]).not.toContain('/public/next');
    expect(connections[1]).toMatch(/^GET \/public\/next HTTP\/1\.1\r\n/);
  });

  it('the log line of an upgrade the backend did not switch says what it answered, not 101', async () => {
    const { h } = await start();
    const raw = await rawExchange(h.proxy.url, `GET /public/upgrade HTTP/1.1\r\nHost: gw\r\n${UPGRADE}\r\n`);
    expect(statusOf(raw)).toBe(200);
    const line = await h.logs.waitFor('the request line of the upgrade', (l) => l.msg === 'request' && l.path === '/public/upgrade');
    expect(line).toMatchObject({ outcome: 'public', status: 200 });
  });
});
