/**
 * The only importer of http-proxy (unmaintained since 2020: keeping it behind this file lets it
 * be swapped for httpxy, whose API matches). Every call passes an error callback, because
 * http-proxy emits 'error' on itself otherwise and an unhandled 'error' kills the process.
 * Upstream failures are translated here, once, into UpstreamError.
 */
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { errorCode } from '../errors.js';
import { UpstreamError } from './errors.js';

export interface ForwarderOptions {
  readonly upstream: URL;
  /** Deadline for the backend to start answering (and for an idle response), in ms. */
  readonly timeoutMs: number;
}

export type UpstreamErrorHandler = (err: UpstreamError) => void;

/** What an upgrade attempt came to, once the backend has answered. */
export interface UpgradeCallbacks {
  /** The backend answered: 101 when it switched protocols, else its own status (relayed as is). */
  readonly onAnswer: (status: number) => void;
  readonly onError: UpstreamErrorHandler;
}

export interface Forwarder {
  /** Sends the request (req.url already canonical) to the backend with exactly `headers`. */
  web(req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders, onError: UpstreamErrorHandler): void;
  /** Same for a WebSocket upgrade whose enforcement has passed. */
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, headers: OutgoingHttpHeaders, callbacks: UpgradeCallbacks): void;
  close(): void;
}

/** Per request, what the 'proxyReq' handlers apply to the outgoing request. */
interface Outgoing {
  readonly headers: OutgoingHttpHeaders;
  readonly onAnswer: ((status: number) => void) | null;
}

/** Response headers that describe the backend connection, not the answer (RFC 9110 §7.6.1). */
const RESPONSE_HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection'];

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

export function createForwarder(options: ForwarderOptions): Forwarder {
  const https = options.upstream.protocol === 'https:';
  // Keep-alive to the backend dominates a Node proxy's throughput (node-http-proxy#1058).
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  // An upgrade attempt gets a connection of its own that is never pooled: whatever the backend
  // answered, and whatever it still expects to read, no later request may be sent after it.
  const upgradeAgent = https ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false });
  const proxy = httpProxy.createProxyServer({
    target: options.upstream.href,
    agent,
    xfwd: false, // request-headers.ts sets X-Forwarded-* itself, after dropping spoofed ones
    changeOrigin: false,
    secure: true,
    ws: true,
  });
  const timeoutMessage = `the upstream did not answer within ${options.timeoutMs} ms`;
  const basePath = options.upstream.pathname.replace(/\/+$/, '');
  const outgoing = new WeakMap<IncomingMessage, Outgoing>();
  const prepareOutgoing = (proxyReq: ClientRequest, req: IncomingMessage): void => {
    // http-proxy joins the path with common.urlJoin, which rewrites "http:/" into "http://" and
    // merges slashes: the backend must get exactly the canonical target that was matched.
    proxyReq.path = basePath + (req.url ?? '/');
    proxyReq.setTimeout(options.timeoutMs, () => {
      proxyReq.destroy(new UpstreamError('upstream_timeout', timeoutMessage));
    });
    const planned = outgoing.get(req);
    if (planned === undefined) return;
    outgoing.delete(req);
    // http-proxy copied the client's headers onto proxyReq; nothing has been sent yet.
    for (const name of proxyReq.getHeaderNames()) {
      if (!Object.hasOwn(planned.headers, name)) proxyReq.removeHeader(name);
    }
    for (const [name, value] of Object.entries(planned.headers)) {
      if (value !== undefined) proxyReq.setHeader(name, value);
    }
    const { onAnswer } = planned;
    if (onAnswer !== null) {
      proxyReq.once('upgrade', () => {
        onAnswer(101);
      });
      proxyReq.once('response', (answer: IncomingMessage) => {
        onAnswer(answer.statusCode ?? 0);
      });
    }
  };
  proxy.on('proxyReq', prepareOutgoing);
  proxy.on('proxyReqWs', prepareOutgoing);
  proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) => {
    // The backend's keep-alive is about our connection to it, not the client's: left in place,
    // its `connection: keep-alive` would keep open a client connection the client asked to close.
    for (const name of listed(proxyRes.headers.connection)) Reflect.deleteProperty(proxyRes.headers, name);
    for (const name of RESPONSE_HOP_BY_HOP) Reflect.deleteProperty(proxyRes.headers, name);
    proxyRes.headers.connection = clientKeepsAlive(req, res) ? 'keep-alive' : 'close';
  });

  // http-proxy's (req, res, callback) form, which @types/http-proxy does not declare. Given an
  // options argument, http-proxy copies its options and url.parse()s the target on every request;
  // without one, it parses the target once and reuses it.
  const web = proxy.web.bind(proxy) as unknown as (req: IncomingMessage, res: ServerResponse, callback: (err: Error) => void) => void;
  return {
    web(req, res, headers, onError) {
      outgoing.set(req, { headers, onAnswer: null });
      web(req, res, (err) => {
        onError(translate(err));
      });
    },
    ws(req, socket, head, headers, callbacks) {
      outgoing.set(req, { headers, onAnswer: callbacks.onAnswer });
      proxy.ws(req, socket, head, { agent: upgradeAgent }, (err: Error) => {
        callbacks.onError(translate(err));
      });
    },
    close() {
      proxy.close();
      agent.destroy();
      upgradeAgent.destroy();
    },
  };
}

/** Lower-cased names listed in a Connection header (framing headers excepted). */
function listed(connection: string | string[] | undefined): string[] {
  const value = Array.isArray(connection) ? connection.join(',') : (connection ?? '');
  return value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '' && t !== 'content-length' && t !== 'transfer-encoding');
}

/** Whether the client connection stays open after this answer (RFC 9112 §9.3). */
function clientKeepsAlive(req: IncomingMessage, res: ServerResponse): boolean {
  if (String(res.getHeader('connection') ?? '').toLowerCase() === 'close') return false;
  const tokens = listed(req.headers.connection);
  if (tokens.includes('close')) return false;
  return req.httpVersion !== '1.0' || tokens.includes('keep-alive');
}

function translate(err: Error): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = errorCode(err) ?? '';
  if (code === 'ETIMEDOUT') return new UpstreamError('upstream_timeout', 'the upstream connection timed out', { cause: err });
  const what = UNREACHABLE_CODES.has(code) ? code : err.message;
  return new UpstreamError('upstream_unreachable', `the upstream failed: ${what}`, { cause: err });
}
