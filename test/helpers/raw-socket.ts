/**
 * Raw-socket tools for the attack tests: a client that sends bytes exactly as written (no HTTP
 * library normalising them) and an upstream that records exactly the bytes it receives, so a
 * test sees what a backend parser would see — including a smuggled second request.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { closeServer, listenOn } from './listen.js';

export interface RawUpstream {
  readonly url: string;
  /** Every byte received on every connection, in arrival order (latin1). */
  bytes(): string;
  /** The bytes received, one string per connection, in the order the connections opened. */
  connections(): string[];
  /** Resolves once the bytes received end with `suffix`. */
  receivedThrough(suffix: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Answers every received chunk that ends a head with a tiny 200 — or, given `complete`, each time
 * it says the bytes received so far end a request (a backend that reads a whole body before
 * answering) — and records all bytes.
 */
export async function startRawUpstream(complete?: (received: string) => boolean): Promise<RawUpstream> {
  let received = '';
  const perConnection: string[] = [];
  const waiters: { readonly suffix: string; readonly resolve: () => void }[] = [];
  const server: Server = createServer((socket) => {
    const index = perConnection.push('') - 1;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      perConnection[index] = `${perConnection[index] ?? ''}${chunk.toString('latin1')}`;
      if (complete === undefined ? chunk.includes('\r\n\r\n') : complete(received)) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      for (const waiter of waiters) if (received.endsWith(waiter.suffix)) waiter.resolve();
    });
    socket.on('error', () => undefined);
  });
  const port = await listenOn(server);
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: () => received,
    connections: () => [...perConnection],
    receivedThrough: (suffix) =>
      received.endsWith(suffix)
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiters.push({ suffix, resolve });
          }),
    close: () => closeServer(server),
  };
}

export interface RawBackend {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A backend that answers byte for byte: `perConnection` runs as each connection opens and gives
 * the function that receives that connection's request heads, in order, with its socket (to
 * write an answer, or to reset it). Bodies are not framed: it serves requests without one, or
 * connections the handler ends on the head.
 */
export async function startRawBackend(perConnection: () => (head: string, socket: Socket) => void): Promise<RawBackend> {
  const server: Server = createServer((socket) => {
    const onHead = perConnection();
    let buffered = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1 && !socket.destroyed; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        onHead(head, socket);
      }
    });
  });
  const port = await listenOn(server);
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

/** Writes `text` to the proxy and resolves with everything it answers until it closes the socket. */
export function rawExchange(base: string, text: string): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
    let data = '';
    socket.on('data', (c: Buffer) => {
      data += c.toString('latin1');
    });
    socket.on('close', () => {
      resolve(data);
    });
    socket.on('error', reject);
  });
}

/** The status code of the first response in raw bytes (0 when there is none). */
export function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}
