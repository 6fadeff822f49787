/**
 * Hostile input the other security tests do not already cover, each answered with a clear 4xx or
 * a closed connection and never forwarded unchecked:
 * - resource exhaustion (CWE-400/CWE-770): idle connections past `--max-connections`, a body
 *   trickled byte by byte (slowloris on bodies; the head case is in slow-headers.test.ts);
 * - framing: pipelined requests (each judged on its own), invalid chunk sizes, oversized header
 *   values, HTTP/1.1 without Host (HTTP/1.0 may omit it and is judged like any request).
 * CL+TE, CONNECT, unknown methods and over-long targets: request-smuggling.test.ts and
 * request-target-forms.test.ts.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../proxy/harness.js';
import { rawExchange, statusOf } from '../helpers/raw-socket.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function open(base: string): Promise<Socket> {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  socket.on('error', () => undefined);
  return once(socket, 'connect').then(() => socket);
}

/** Everything the proxy writes on `socket` until it closes it. */
function untilClosed(socket: Socket): Promise<string> {
  let data = '';
  socket.on('data', (c: Buffer) => {
    data += c.toString('latin1');
  });
  // (events.once would reject on the reset a refused connection ends with.)
  return new Promise((resolve) => {
    socket.once('close', () => {
      resolve(data);
    });
  });
}

/**
 * The server counts a connection gone on its own 'close', a moment after the client's: each try
 * is a whole exchange (refused ones end with a reset), bounded, with no timer.
 */
async function servedOnceFreed(base: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const answer = await rawExchange(base, 'GET /public/x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n').catch(() => '');
    if (answer !== '') return statusOf(answer);
  }
  return 0;
}

describe('idle connections past --max-connections', () => {
  it('the next connection is closed on accept and counted; one freed slot serves again', async () => {
    h = await startHarness({ proxy: { maxConnections: 3 } });
    const [first, ...idle] = await Promise.all([open(h.proxy.url), open(h.proxy.url), open(h.proxy.url)]);
    const extra = await open(h.proxy.url);
    extra.write('GET /public/x HTTP/1.1\r\nHost: gw\r\n\r\n');
    expect(await untilClosed(extra)).toBe('');
    const metrics = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^umagate_connections_dropped_total [1-9]/m);
    const freed = untilClosed(first);
    first.destroy();
    await freed;
    expect(await servedOnceFreed(h.proxy.url)).toBe(200);
    for (const s of idle) s.destroy();
  });
});

describe('a body trickled byte by byte (slowloris on bodies)', () => {
  it('is cut at the request deadline; the unauthorised request was answered 401 and never forwarded', async () => {
    h = await startHarness({ proxy: { headersTimeoutMs: 200, requestTimeoutMs: 400 } });
    const socket = await open(h.proxy.url);
    socket.write('POST /photo HTTP/1.1\r\nHost: gw\r\nContent-Length: 100000\r\n\r\n');
    // The attack itself: one byte every 20 ms, far slower than the declared length needs.
    const trickle = setInterval(() => {
      if (socket.writable) socket.write('x');
    }, 20);
    const answer = await untilClosed(socket);
    clearInterval(trickle);
    expect(statusOf(answer)).toBe(401);
    expect(h.backend.seen).toHaveLength(0);
  });
});

describe('pipelined requests', () => {
  it('each is judged on its own: the public one is forwarded, the protected one answered 401', async () => {
    h = await startHarness();
    const answer = await rawExchange(h.proxy.url, 'GET /public/a HTTP/1.1\r\nHost: gw\r\n\r\nGET /admin HTTP/1.1\r\nHost: gw\r\n\r\nGET /public/b HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
    expect([...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))).toEqual([200, 401, 200]);
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/public/a', '/public/b']);
  });
});

describe('malformed framing and oversized or missing heads', () => {
  it.each([
    ['an invalid chunk size', 'POST /photo HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', [400, 401]],
    ['a chunk longer than its size', 'POST /photo HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n', [400, 401]],
    ['a header value over the 16 KiB head limit', `GET /public/x HTTP/1.1\r\nHost: gw\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, [431]],
    ['10,000 small headers', `GET /public/x HTTP/1.1\r\nHost: gw\r\n${'X-A: 1\r\n'.repeat(10_000)}\r\n`, [431]],
    ['HTTP/1.1 without Host', 'GET /public/x HTTP/1.1\r\nConnection: close\r\n\r\n', [400]],
    ['HTTP/1.0 without Host, to a protected path', 'GET /photo HTTP/1.0\r\n\r\n', [401]],
  ])('%s: a 4xx, nothing forwarded', async (_name, text, statuses) => {
    h ??= await startHarness();
    const answer = await rawExchange(h.proxy.url, text);
    expect(statuses).toContain(statusOf(answer));
    expect(h.backend.seen).toHaveLength(0);
  });
});
