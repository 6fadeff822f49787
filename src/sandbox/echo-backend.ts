/**
 * The demo backend of `umagate dev`: answers every request with a JSON description of what it
 * received, so a newcomer sees exactly what the proxy forwarded (path, query, headers).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';

export interface EchoBackend {
  /** Base URL, e.g. http://127.0.0.1:40123 — the proxy's upstream. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface EchoBackendOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export const ECHO_BACKEND_NAME = 'umagate-dev-echo';

/** What the backend answers; also what the walkthrough test reads back. */
export interface EchoReply {
  readonly backend: typeof ECHO_BACKEND_NAME;
  readonly method: string;
  /** The request target exactly as forwarded by the proxy (path and query). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

export async function startEchoBackend(options: EchoBackendOptions): Promise<EchoBackend> {
  const server = createServer(answer);
  server.listen(options.port, options.host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error as Error)),
  ]);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the echo backend has no TCP address');
  return {
    url: `http://${hostForUrl(options.host)}:${address.port}`,
    port: address.port,
    close: () => closeServer(server),
  };
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  // The body is drained, not echoed: the demo is about what the proxy lets through.
  req.resume();
  req.on('end', () => {
    const reply: EchoReply = {
      backend: ECHO_BACKEND_NAME,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: headersOf(req),
    };
    const body = `${JSON.stringify(reply, null, 2)}\n`;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

function headersOf(req: IncomingMessage): Record<string, string | readonly string[]> {
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** IPv6 literals need brackets inside a URL. */
export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}
