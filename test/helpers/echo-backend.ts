/**
 * A real HTTP upstream for proxy tests: it records the method, url, headers (raw names kept)
 * and body of every request it receives and answers them as JSON. Tests assert on `seen` to
 * prove what did — and did not — reach the backend. Also accepts WebSocket upgrades (echoing
 * messages) so upgrades can be proxied end to end.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { closeServer, listenOn } from './listen.js';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** [name, value, name, value, …] as received, for case/underscore assertions. */
  readonly rawHeaders: readonly string[];
  readonly body: string;
  readonly upgrade: boolean;
}

export interface EchoBackend {
  readonly url: string;
  readonly seen: readonly SeenRequest[];
  /** Makes the next answers wait this long (to test upstream timeouts and draining). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startEchoBackend(): Promise<EchoBackend> {
  const seen: SeenRequest[] = [];
  let delayMs = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
        upgrade: false,
      };
      seen.push(record);
      const answer = (): void => {
        const text = JSON.stringify({ echo: { method: record.method, url: record.url, body: record.body } });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: '', upgrade: true });
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => {
        ws.send(data, { binary: isBinary });
      });
    });
  });
  const port = await listenOn(server);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    setDelay(ms) {
      delayMs = ms;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await closeServer(server);
    },
  };
}
