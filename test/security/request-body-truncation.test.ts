/**
 * Attack class: request body truncation — an incomplete request forwarded as complete.
 *
 * A client starts a request on a path it may reach (here a public one), sends part of its body —
 * fewer bytes than its Content-Length, or chunks without the final zero-length chunk — and then
 * closes or resets its connection. If the proxy then ends the upstream request instead of
 * aborting it, the backend reads a well-formed request holding only the attacker's prefix: a
 * truncated upload, payment or JSON document it has no way to tell from a complete one (the
 * framing it parsed says complete), and the proxy's log shows a request the client never finished.
 * The backend must see the truncation: a connection cut before the body's end, never `end`.
 *
 * A raw `net` client sends the bytes as written; the backend records, per request, whether its
 * body ended (complete) or its connection went away first (truncated). A proxy that neither ends
 * nor aborts the upstream request leaves the backend waiting (the deadline is set beyond the
 * test's): the test then fails on its own timeout.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listenOn } from '../helpers/listen.js';
import { startHarness, type Harness } from '../proxy/harness.js';

type Ending = 'complete' | 'truncated';

interface Ended {
  readonly ending: Ending;
  readonly bytes: number;
}

interface RecordingBackend {
  readonly url: string;
  /** Resolves once the (single) request's body has brought `bytes` bytes. */
  received(bytes: number): Promise<void>;
  /** How that request's body ended, as the backend parsed it. */
  readonly ended: Promise<Ended>;
  close(): Promise<void>;
}

async function startRecordingBackend(): Promise<RecordingBackend> {
  const events = new EventEmitter();
  let bytes = 0;
  const ended = new Promise<Ended>((resolve) => {
    events.once('ended', resolve);
  });
  const server: Server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      events.emit('data');
    });
    req.on('end', () => {
      events.emit('ended', { ending: 'complete', bytes });
      res.end('stored');
    });
    req.on('error', () => undefined); // the cut is what is being recorded, on 'close'
    req.once('close', () => {
      if (!req.complete) events.emit('ended', { ending: 'truncated', bytes });
    });
  });
  const port = await listenOn(server);
  return {
    url: `http://127.0.0.1:${port}`,
    async received(wanted) {
      while (bytes < wanted) await once(events, 'data');
    },
    ended,
    close: () => closeServer(server),
  };
}

const HEAD = 'POST /public/upload HTTP/1.1\r\nHost: app.example\r\n';

const CASES: readonly { readonly name: string; readonly head: string; readonly sent: string }[] = [
  { name: 'Content-Length not reached', head: `${HEAD}Content-Length: 100\r\n\r\n`, sent: 'a'.repeat(40) },
  { name: 'chunked, no last chunk', head: `${HEAD}Transfer-Encoding: chunked\r\n\r\n`, sent: `28\r\n${'a'.repeat(40)}\r\n` },
];

let h: Harness | null = null;
let backend: RecordingBackend | null = null;

afterEach(async () => {
  await h?.close();
  await backend?.close();
  h = null;
  backend = null;
});

describe('a client that stops partway through its request body', () => {
  describe.each(CASES)('$name', ({ head, sent }) => {
    it.each(['closes (FIN)', 'resets (RST)'])('and %s: the backend sees a truncated request, never a complete one', async (how) => {
      backend = await startRecordingBackend();
      // A deadline far beyond the test's own: only the client's going away can end the request.
      h = await startHarness({ proxy: { upstream: backend.url, upstreamTimeout: 600 } });
      const url = new URL(h.proxy.url);
      const client = connect(Number(url.port), url.hostname);
      client.on('error', () => undefined);
      await once(client, 'connect');
      client.write(head + sent);
      // Only once the backend holds the prefix does the client go: the request is mid-body.
      await backend.received(40);
      if (how === 'resets (RST)') client.resetAndDestroy();
      else client.end();
      expect(await backend.ended).toEqual({ ending: 'truncated', bytes: 40 });
    });
  });
});

