/**
 * The keep-alive reuse race. A backend closes an idle keep-alive connection on its own schedule
 * (Node's server after 5 s); a proxy that sends the next request on that pooled connection as
 * it closes reads ECONNRESET before any answer, and its client gets a 502 for a backend that is
 * up. Found as one unexplained `upstream_unreachable` in a 5-minute soak.
 *
 * Made deterministic here by a raw backend that answers the first request on a connection and
 * resets the connection when a second one arrives on it, which is what the race looks like from
 * the proxy. What must hold: an idempotent request without a body is sent once more on a fresh
 * connection (nothing was done with the first); any other request is never sent twice — its
 * client gets the 502. And a backend announcing `Keep-Alive: timeout=N` has its connections
 * dropped before N, so the race is avoided rather than recovered from.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRawBackend } from '../helpers/raw-socket.js';
import { startHarness, type Harness } from '../proxy/harness.js';

interface ClosingBackend {
  readonly url: string;
  /** The request lines received, one list per connection, in the order the connections opened. */
  readonly connections: string[][];
  close(): Promise<void>;
}

/**
 * Answers the first request of each connection with a tiny 200 (`extraHead` added to its head)
 * and resets the connection as soon as a second request's head arrives on it, unanswered.
 */
async function startClosingBackend(extraHead = ''): Promise<ClosingBackend> {
  const connections: string[][] = [];
  const backend = await startRawBackend(() => {
    const lines: string[] = [];
    connections.push(lines);
    return (head, socket) => {
      lines.push(head.split('\r\n')[0] ?? '');
      if (lines.length > 1) socket.resetAndDestroy();
      else socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n${extraHead}\r\nok`);
    };
  });
  return { ...backend, connections };
}

let h: Harness | null = null;
let backend: ClosingBackend | null = null;

afterEach(async () => {
  await h?.close();
  await backend?.close();
  h = null;
  backend = null;
});

async function proxyTo(b: ClosingBackend): Promise<Harness> {
  return startHarness({ proxy: { upstream: b.url } });
}

describe('a pooled connection the backend closed as the next request went out', () => {
  it.each(['GET', 'HEAD', 'DELETE'])('an idempotent %s without a body is sent again on a fresh connection: the client never sees the race', async (method) => {
    backend = await startClosingBackend();
    h = await proxyTo(backend);
    expect((await h.send('/public/first')).status).toBe(200);
    const second = await h.send('/public/second', { method });
    expect(second.status).toBe(200);
    expect(backend.connections).toEqual([
      ['GET /public/first HTTP/1.1', `${method} /public/second HTTP/1.1`],
      [`${method} /public/second HTTP/1.1`],
    ]);
  });

  it.each([
    ['POST', 'a=1'],
    ['POST', ''],
    ['PATCH', 'a=1'],
    ['PUT', 'a=1'],
    ['GET', 'a=1'],
  ])('%s with the body "%s" is never sent twice: 502 upstream_unreachable', async (method, body) => {
    backend = await startClosingBackend();
    h = await proxyTo(backend);
    expect((await h.send('/public/first')).status).toBe(200);
    // Content-Length spelled out: Node's client frames no GET body by itself.
    const second = await h.send('/public/second', body === '' ? { method } : { method, body, headers: { 'content-length': String(body.length) } });
    expect(second.status).toBe(502);
    expect(second.json().code).toBe('upstream_unreachable');
    expect(backend.connections.flat().filter((line) => line.includes('/public/second'))).toHaveLength(1);
  });
});

describe("the backend's Keep-Alive: timeout hint", () => {
  it('a connection the backend will close within a second is not reused', async () => {
    backend = await startClosingBackend('keep-alive: timeout=1\r\n');
    h = await proxyTo(backend);
    for (const path of ['/public/a', '/public/b', '/public/c']) expect((await h.send(path)).status).toBe(200);
    expect(backend.connections).toEqual([['GET /public/a HTTP/1.1'], ['GET /public/b HTTP/1.1'], ['GET /public/c HTTP/1.1']]);
  });
});
