/**
 * Forwarding to the backend; upstream failures are translated here, once, into UpstreamError.
 *
 * Ordinary requests go through `node:http(s).request` on a keep-alive agent, doing only what a
 * forwarded exchange needs (http-proxy, the previous path, re-parsed the target and set up a
 * dozen listeners per request). WebSocket upgrades stay on http-proxy, the only importer of it
 * (unmaintained since 2020: keeping it behind this file lets it be swapped for httpxy, whose API
 * matches). Every http-proxy call passes an error callback, because it emits 'error' on itself
 * otherwise and an unhandled 'error' kills the process.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/** What an upgrade attempt's 'proxyReqWs' handler applies to the outgoing request. */
interface PlannedUpgrade {
  readonly headers: OutgoingHttpHeaders;
  readonly onAnswer: (status: number) => void;
}

/**
 * Response headers never relayed: those describing the backend connection (RFC 9110 §7.6.1),
 * and the framing, which Node writes anew for the client's connection (chunked for HTTP/1.1,
 * close-delimited for 1.0). `Trailer` goes too: Node throws writing a head that announces
 * trailers on an answer it does not send chunked (HTTP/1.0, HEAD); the trailers themselves are
 * relayed wherever the client's framing can carry them.
 */
const RESPONSE_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'trailer']);

/** RFC 9110 §9.2.2: methods whose request may be sent twice with the effect of once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** How a pooled connection the backend had just closed fails the request written on it. */
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * How long an idle pooled connection to the backend is kept: under the 5 s of Node's own server
 * keepAliveTimeout (and undici's 4 s default), so the proxy drops a connection before the backend
 * does. A backend announcing `Keep-Alive: timeout=N` has its connections dropped a second before
 * N (Node's agent reads the hint from the answer's headers, which is why they are never mutated).
 */
const UPSTREAM_IDLE_MS = 4000;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/** Everything about the backend a request needs, computed once. */
interface Upstream {
  readonly request: (options: RequestOptions) => ClientRequest;
  readonly agent: HttpAgent;
  /** Never pools: for upgrade attempts, and for the one retry of a request a stale connection lost. */
  readonly unpooled: HttpAgent;
  readonly hostname: string;
  readonly port: string;
  /** The upstream URL's path without its trailing slashes: the canonical target is appended as is. */
  readonly basePath: string;
  readonly timeoutMs: number;
  readonly timeoutMessage: string;
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const https = options.upstream.protocol === 'https:';
  const Agent = https ? HttpsAgent : HttpAgent;
  const up: Upstream = {
    request: https ? httpsRequest : httpRequest,
    // Keep-alive to the backend dominates a Node proxy's throughput (node-http-proxy#1058).
    agent: new Agent({ keepAlive: true, timeout: UPSTREAM_IDLE_MS }),
    // An upgrade attempt gets a connection of its own that is never pooled: whatever the backend
    // answered, and whatever it still expects to read, no later request may be sent after it.
    unpooled: new Agent({ keepAlive: false }),
    hostname: options.upstream.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: options.upstream.port,
    basePath: options.upstream.pathname.replace(/\/+$/, ''),
    timeoutMs: options.timeoutMs,
    timeoutMessage: `the upstream did not answer within ${options.timeoutMs} ms`,
  };
  const proxy = httpProxy.createProxyServer({
    target: options.upstream.href,
    xfwd: false, // request-headers.ts sets X-Forwarded-* itself, after dropping spoofed ones
    changeOrigin: false,
    secure: true,
    ws: true,
  });
  const planned = new WeakMap<IncomingMessage, PlannedUpgrade>();
  proxy.on('proxyReqWs', (proxyReq: ClientRequest, req: IncomingMessage) => {
    // http-proxy joins the path with common.urlJoin, which rewrites "http:/" into "http://" and
    // merges slashes: the backend must get exactly the canonical target that was matched.
    proxyReq.path = up.basePath + (req.url ?? '/');
    proxyReq.setTimeout(up.timeoutMs, () => {
      proxyReq.destroy(new UpstreamError('upstream_timeout', up.timeoutMessage));
    });
    const upgrade = planned.get(req);
    if (upgrade === undefined) return;
    planned.delete(req);
    // http-proxy copied the client's headers onto proxyReq; nothing has been sent yet.
    for (const name of proxyReq.getHeaderNames()) {
      if (!Object.hasOwn(upgrade.headers, name)) proxyReq.removeHeader(name);
    }
    for (const [name, value] of Object.entries(upgrade.headers)) {
      if (value !== undefined) proxyReq.setHeader(name, value);
    }
    const { onAnswer } = upgrade;
    proxyReq.once('upgrade', () => {
      onAnswer(101);
    });
    proxyReq.once('response', (answer: IncomingMessage) => {
      onAnswer(answer.statusCode ?? 0);
    });
  });
  return {
    web(req, res, headers, onError) {
      forward(up, { req, res, headers, onError }, false);
    },
    ws(req, socket, head, headers, callbacks) {
      planned.set(req, { headers, onAnswer: callbacks.onAnswer });
      proxy.ws(req, socket, head, { agent: up.unpooled }, (err: Error) => {
        callbacks.onError(translate(err));
      });
    },
    close() {
      proxy.close();
      up.agent.destroy();
      up.unpooled.destroy();
    },
  };
}

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly headers: OutgoingHttpHeaders;
  readonly onError: UpstreamErrorHandler;
}

/**
 * One attempt at sending the request upstream and relaying the answer. `retried`: this is the
 * second attempt, on a fresh connection, after a pooled one turned out closed by the backend.
 */
function forward(up: Upstream, x: Exchange, retried: boolean): void {
  const { req, res } = x;
  // The client left while its request was being judged: nothing of it goes upstream.
  if (res.destroyed) return;
  const method = req.method ?? 'GET';
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  const upstream = up.request({
    agent: retried ? up.unpooled : up.agent,
    hostname: up.hostname,
    port: up.port,
    method,
    path: up.basePath + (req.url ?? '/'),
    headers: x.headers,
  });
  // The deadline counts socket inactivity: connecting, waiting for the answer, and any pause in it.
  upstream.setTimeout(up.timeoutMs, () => {
    upstream.destroy(new UpstreamError('upstream_timeout', up.timeoutMessage));
  });
  /** Set once the outcome is decided: the answer relayed, an error reported, or the client gone. */
  let settled = false;
  let answered = false;
  const onClientClose = (): void => {
    if (settled) return;
    settled = true;
    // The client went away before its answer was complete (possibly before its own body was):
    // the backend must see the exchange cut, never a complete request or an unread answer.
    upstream.destroy();
  };
  res.once('close', onClientClose);
  upstream.on('error', (err: Error) => {
    if (settled || answered) return; // once an answer started, its 'close' handles a cut
    settled = true;
    res.removeListener('close', onClientClose);
    if (!retried && !hasBody && upstream.reusedSocket && IDEMPOTENT.has(method) && STALE_CONNECTION_CODES.has(errorCode(err) ?? '')) {
      // The backend closed this pooled connection as the request went out, before a byte of an
      // answer: nothing was done, so an idempotent request without a body goes once more on a
      // fresh connection (what nginx's proxy_next_upstream and undici's retry do). Anything else
      // could have been acted on and is reported.
      forward(up, x, true);
      return;
    }
    x.onError(translate(err));
  });
  upstream.once('response', (answer: IncomingMessage) => {
    answered = true;
    relay(answer, x, () => {
      settled = true;
    });
  });
  if (!hasBody) {
    upstream.end();
    return;
  }
  req.pipe(upstream);
  req.once('close', () => {
    // A body cut short (the client closed or reset mid-body) must not reach the backend as a
    // complete request, even if the answer was already relayed.
    if (!req.complete) upstream.destroy();
  });
}

/** Writes the backend's answer to the client, watching it to the end. */
function relay(answer: IncomingMessage, x: Exchange, onComplete: () => void): void {
  const { res } = x;
  try {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeaders(answer, clientKeepsAlive(x.req, res)));
  } catch (err) {
    // A status line or header Node refuses to write (invalid characters): nothing was sent yet,
    // but the headers set so far cannot be taken back, so the connection is cut.
    onComplete();
    answer.destroy();
    res.destroy();
    x.onError(translate(err as Error));
    return;
  }
  answer.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) {
      answer.pause();
      res.once('drain', () => answer.resume());
    }
  });
  answer.once('end', () => {
    onComplete();
    const trailers = answer.rawTrailers;
    if (trailers.length > 0) res.addTrailers(pairs(trailers));
    res.end();
  });
  // A backend that dies half-way through a body would otherwise leave the client waiting for the
  // rest forever (no server timeout covers a response in progress): a cut connection is the only
  // honest signal left.
  answer.once('close', () => {
    if (!answer.complete) res.destroy();
  });
}

/**
 * The answer's headers as the client gets them: every field as received (a repeated one, such as
 * Set-Cookie, stays one line per value), less the connection's own, plus whether the client's
 * connection stays open. The backend's `Connection: keep-alive` concerns our connection to it:
 * left in place, it would keep open a client connection the client asked to close.
 */
function responseHeaders(answer: IncomingMessage, keepAlive: boolean): OutgoingHttpHeaders {
  const raw = answer.rawHeaders;
  const named = answer.headers.connection === undefined ? [] : listed(answer.headers.connection);
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    if (RESPONSE_DROPPED.has(name) || named.includes(name)) continue;
    const value = raw[i + 1] ?? '';
    const prior = out[name];
    out[name] = prior === undefined ? value : typeof prior === 'string' ? [prior, value] : [...prior, value];
  }
  out.connection = keepAlive ? 'keep-alive' : 'close';
  return out;
}

/** A flat [name, value, name, value…] list as pairs. */
function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] ?? '', flat[i + 1] ?? '']);
  return out;
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
