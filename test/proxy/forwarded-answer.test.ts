/**
 * What the client receives of the backend's answer: the status line with its reason phrase,
 * every header the backend wrote (each Set-Cookie on a line of its own), the body, and
 * trailers where the client's framing can carry them — less the backend connection's own
 * headers. A raw backend writes the answers byte for byte; a raw client reads them likewise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, startRawBackend, type RawBackend } from '../helpers/raw-socket.js';
import { startHarness, type Harness } from './harness.js';

const ANSWERS: Record<string, string> = {
  '/public/cookies':
    'HTTP/1.1 201 Made Here\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; HttpOnly\r\nX-Twice: one\r\nX-Twice: two\r\n' +
    'Connection: keep-alive, X-Backend-Hop\r\nKeep-Alive: timeout=30\r\nX-Backend-Hop: 1\r\nContent-Length: 2\r\n\r\nok',
  '/public/no-reason': 'HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n',
  '/public/trailers': 'HTTP/1.1 200 OK\r\nTrailer: X-Checksum\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\nX-Checksum: abc\r\n\r\n',
};

/** Answers each request with the canned answer for its path (404 otherwise), keeping the connection. */
function startCannedBackend(): Promise<RawBackend> {
  return startRawBackend(() => (head, socket) => {
    socket.write(ANSWERS[head.split(' ')[1] ?? ''] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });
}

let backend: RawBackend | null = null;
let h: Harness | null = null;

beforeAll(async () => {
  backend = await startCannedBackend();
  h = await startHarness({ proxy: { upstream: backend.url } });
});

afterAll(async () => {
  await h?.close();
  await backend?.close();
});

function proxyUrl(): string {
  if (h === null) throw new Error('the harness has not started');
  return h.proxy.url;
}

function headOf(raw: string): string[] {
  return (raw.split('\r\n\r\n')[0] ?? '').split('\r\n');
}

describe('the answer relayed to the client', () => {
  it('keeps the reason phrase, each Set-Cookie and repeated header, and drops the backend connection headers', async () => {
    const raw = await rawExchange(proxyUrl(), 'GET /public/cookies HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n');
    const head = headOf(raw);
    expect(head[0]).toBe('HTTP/1.1 201 Made Here');
    expect(head).toEqual(expect.arrayContaining(['set-cookie: a=1; Path=/', 'set-cookie: b=2; HttpOnly', 'x-twice: one', 'x-twice: two', 'connection: close']));
    const names = head.slice(1).map((line) => line.split(':')[0]?.toLowerCase());
    expect(names).not.toContain('keep-alive');
    expect(names).not.toContain('x-backend-hop');
    expect(names.filter((n) => n === 'connection')).toHaveLength(1);
    expect(raw.endsWith('\r\n\r\nok')).toBe(true);
  });

  it('an answer without a reason phrase gets the standard one', async () => {
    const raw = await rawExchange(proxyUrl(), 'GET /public/no-reason HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n');
    expect(headOf(raw)[0]).toBe('HTTP/1.1 404 Not Found');
  });

  it('relays trailers to an HTTP/1.1 client, in the last chunk', async () => {
    const raw = await rawExchange(proxyUrl(), 'GET /public/trailers HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n');
    expect(headOf(raw)).toContain('Transfer-Encoding: chunked');
    expect(raw).toMatch(/\r\n\r\n4\r\nbody\r\n0\r\nx-checksum: abc\r\n\r\n$/i);
  });

  it.each([
    ['an HTTP/1.0 client', 'GET /public/trailers HTTP/1.0\r\nHost: app.example\r\n\r\n', 'body'],
    ['a HEAD', 'HEAD /public/trailers HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n', ''],
  ])('an answer announcing trailers to %s, which cannot carry them, arrives without them', async (_who, request, body) => {
    const raw = await rawExchange(proxyUrl(), request);
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw.split('\r\n\r\n').slice(1).join('\r\n\r\n')).toBe(body);
    // And the proxy still serves: writing that head must not have thrown.
    expect((await h?.send('/public/cookies'))?.status).toBe(201);
  });
});
