/**
 * Forwarding to the backend; upstream failures are translated here, once, into UpstreamError.
 *
 * Ordinary requests go through an undici Agent (keep-alive pool, `dispatch` with a handler that
 * writes the answer straight to the ServerResponse), doing only what a forwarded exchange needs:
 * http-proxy, the previous path, re-parsed the target and hung a dozen listeners on every
 * request, and Node's http client costs more per request than undici's (BENCHMARKS.md).
 *
 * WebSocket upgrades stay on http-proxy, imported nowhere else (unmaintained since 2020: keeping
 * it behind this file lets it be swapped for httpxy, whose API matches). Every http-proxy call
 * passes an error callback, because it emits 'error' on itself otherwise and an unhandled
 * 'error' kills the process.
 */
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import httpProxy from 'http-proxy';
import { Agent as UndiciAgent, buildConnector, type Dispatcher } from 'undici';
import { errorCode } from '../errors.js';
import { UpstreamError } from './errors.js';

export interface ForwarderOptions {
  readonly upstream: URL;
  /** The certificates an https:// upstream is checked against; null: Node's defaults. */
  readonly ca?: readonly string[] | null;
  /** Deadline for connecting, for the backend to start answering, and for a pause in its answer, in ms. */
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
  /**
   * Sends the request (req.url already canonical) to the backend with exactly `headers` less
   * Transfer-Encoding, which is deleted from the object (undici frames the body itself).
   */
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

/** How a connection the backend closed as the request went out fails it, before any answer. */
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** undici's names for the deadlines of forward(): connecting, the answer's head, a pause in its body. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * How long an idle pooled connection to the backend is kept: under the 5 s of Node's own server
 * keepAliveTimeout (undici's default). A backend announcing `Keep-Alive: timeout=N` has its
 * connections dropped 2 s before N, and not reused at all when N is 2 s or less (undici's
 * keepAliveTimeoutThreshold), so the proxy lets a connection go before the backend does.
 */
const UPSTREAM_IDLE_MS = 4000;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/** Header fields as undici hands them over: lower-cased names, repeated fields as arrays. */
type UndiciHeaders = Record<string, string | string[] | undefined>;

/** Everything about the backend a request needs, computed once. */
interface Upstream {
  readonly origin: string;
  /**
   * The TLS server name of an https:// upstream, given with every request: undici otherwise
   * derives it from the Host header, which is the client's, and drops pooled connections
   * whenever it changes. Null for plain HTTP.
   */
  readonly servername: string | null;
  /** The keep-alive pool ordinary requests go through. */
  readonly pool: UndiciAgent;
  /** Closes every connection after one request: the one retry of a request a stale connection lost. */
  readonly fresh: UndiciAgent;
  /** The upstream URL's path without its trailing slashes: the canonical target is appended as is. */
  readonly basePath: string;
  readonly timeoutMs: number;
  readonly timeoutMessage: string;
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const https = options.upstream.protocol === 'https:';
  const tls = https ? upstreamTls(options.upstream, options.ca ?? null) : null;
  // Every deadline of an exchange is the upstream timeout: connecting, the answer's head, and
  // any pause in its body.
  const connect = tls === null ? { timeout: options.timeoutMs } : pinnedConnector(tls, options.timeoutMs);
  const agentOptions = { connect, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, connections: null } as const;
  const up: Upstream = {
    origin: options.upstream.origin,
    servername: tls === null ? null : (tls.options.servername || tls.host),
    // Keep-alive to the backend dominates a Node proxy's throughput (node-http-proxy#1058).
    pool: new UndiciAgent({ ...agentOptions, keepAliveTimeout: UPSTREAM_IDLE_MS }),
    fresh: new UndiciAgent({ ...agentOptions, pipelining: 0 }),
    basePath: options.upstream.pathname.replace(/\/+$/, ''),
    timeoutMs: options.timeoutMs,
    timeoutMessage: `the upstream did not answer within ${options.timeoutMs} ms`,
  };
  // An upgrade attempt gets a connection of its own that is never pooled: whatever the backend
  // answered, and whatever it still expects to read, no later request may be sent after it.
  const upgradeAgent = tls === null ? new HttpAgent({ keepAlive: false }) : new HttpsAgent({ keepAlive: false, ...tls.options });
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
      new WebExchange(up, req, res, headers, onError).send(up.pool);
    },
    ws(req, socket, head, headers, callbacks) {
      planned.set(req, { headers, onAnswer: callbacks.onAnswer });
      proxy.ws(req, socket, head, { agent: upgradeAgent }, (err: Error) => {
        callbacks.onError(translate(err));
      });
    },
    close() {
      proxy.close();
      upgradeAgent.destroy();
      void up.pool.destroy();
      void up.fresh.destroy();
    },
  };
}

/**
 * One forwarded request: sends it (once more on a fresh connection if a stale pooled one lost it)
 * and writes the answer to the client as it arrives, as undici's dispatch handler.
 */
class WebExchange implements Dispatcher.DispatchHandler {
  readonly #up: Upstream;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #headers: OutgoingHttpHeaders;
  readonly #report: UpstreamErrorHandler;
  readonly #hasBody: boolean;
  #controller: Dispatcher.DispatchController | null = null;
  #retried = false;
  /** An answer's head has been written to the client. */
  #answered = false;
  /** The outcome is decided: the answer relayed, an error reported, or the client gone. */
  #settled = false;

  constructor(up: Upstream, req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders, report: UpstreamErrorHandler) {
    this.#up = up;
    this.#req = req;
    this.#res = res;
    this.#report = report;
    this.#hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
    // undici frames a streamed body itself (chunked unless a Content-Length is given) and refuses
    // a Transfer-Encoding header; the headers object was built for this request alone.
    delete headers['transfer-encoding'];
    this.#headers = headers;
  }

  send(dispatcher: UndiciAgent): void {
    // The client left while its request was being judged: nothing of it goes upstream.
    if (this.#res.destroyed) return;
    if (dispatcher === this.#up.pool) this.#res.once('close', this.#onClientClose);
    dispatcher.dispatch(
      {
        origin: this.#up.origin,
        path: this.#up.basePath + (this.#req.url ?? '/'),
        method: this.#req.method ?? 'GET',
        headers: this.#headers as Record<string, string | string[]>,
        body: this.#hasBody ? bodyOf(this.#req) : null,
        reset: dispatcher === this.#up.fresh,
        ...(this.#up.servername === null ? {} : { servername: this.#up.servername }),
      },
      this,
    );
  }

  readonly #onClientClose = (): void => {
    if (this.#settled) return;
    this.#settled = true;
    // The client went away before its answer was complete (possibly before its own body was):
    // the backend must see the exchange cut, never a complete request or an unread answer.
    this.#controller?.abort(new Error('the client closed its connection'));
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(new Error('the client closed its connection'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: UndiciHeaders, statusMessage?: string): void {
    this.#answered = true;
    const res = this.#res;
    try {
      const out = responseHeaders(headers, clientKeepsAlive(this.#req, res));
      // A backend that sent no reason phrase gets Node's standard one, as with http-proxy.
      if (statusMessage === undefined || statusMessage === '') res.writeHead(statusCode, out);
      else res.writeHead(statusCode, statusMessage, out);
    } catch (err) {
      // A status line or header Node refuses to write (invalid characters): nothing was sent yet,
      // but the headers set so far cannot be taken back, so the connection is cut.
      this.#settled = true;
      controller.abort(err as Error);
      res.destroy();
      this.#report(translate(err as Error, this.#up));
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#res.write(chunk)) return;
    controller.pause();
    this.#res.once('drain', () => {
      controller.resume();
    });
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: UndiciHeaders): void {
    this.#settled = true;
    const res = this.#res;
    // Node sends trailers only where the client's framing can carry them (chunked).
    if (Object.keys(trailers).length > 0) res.addTrailers(trailers);
    res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.#settled) return;
    if (this.#answered) {
      // A backend that died (or stalled past the deadline) half-way through a body would leave
      // the client waiting for the rest forever: a cut connection is the only honest signal left.
      this.#settled = true;
      this.#res.destroy();
      return;
    }
    if (!this.#retried && !this.#hasBody && IDEMPOTENT.has(this.#req.method ?? 'GET') && STALE_CONNECTION_CODES.has(errorCode(err) ?? '')) {
      // The backend closed the connection as the request went out, before a byte of an answer
      // (typically a pooled connection it had just timed out): an idempotent request without a
      // body goes once more, on a fresh connection (what nginx's proxy_next_upstream and undici's
      // retry handler do). Anything else could have been acted on and is reported instead.
      this.#retried = true;
      this.#controller = null;
      this.send(this.#up.fresh);
      return;
    }
    this.#settled = true;
    this.#report(translate(err, this.#up));
  }
}

/** How an https:// upstream is reached: its own name, never the client's Host. */
interface UpstreamTls {
  /** The upstream URL's host (brackets of an IPv6 literal removed). */
  readonly host: string;
  /** For both Node's https.Agent (upgrades) and undici's connector. */
  readonly options: {
    /** SNI: the host when it is a name; '' for an address, which RFC 6066 keeps out of SNI. */
    readonly servername: string;
    readonly checkServerIdentity: (name: string, cert: PeerCertificate) => Error | undefined;
    readonly ca?: string[];
  };
}

/**
 * Node's https.Agent and undici both take the server name from the request's Host header unless
 * told otherwise, and the Host sent upstream is the client's (the gateway's public name): the
 * backend's certificate would be checked against a name it does not carry, and a client could
 * choose the name the proxy accepts. The name is pinned to the upstream URL's host instead.
 */
function upstreamTls(upstream: URL, ca: readonly string[] | null): UpstreamTls {
  const host = upstream.hostname.replace(/^\[(.*)\]$/, '$1');
  const servername = isIP(host) === 0 ? host : '';
  return {
    host,
    options: {
      servername,
      checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
      ...(ca === null ? {} : { ca: [...ca] }),
    },
  };
}

/** undici's connector with the server name and the identity check pinned to the upstream's. */
function pinnedConnector(tls: UpstreamTls, timeout: number): buildConnector.connector {
  const connector = buildConnector({ ...tls.options, timeout });
  // undici hands over the request's server name; an address gets none (undefined → no SNI).
  const servername = tls.options.servername === '' ? undefined : tls.options.servername;
  return (connectOptions, callback) => {
    connector({ ...connectOptions, servername } as buildConnector.Options, callback);
  };
}

/**
 * The request body as undici reads it: a stream of its own, because undici destroys the body it
 * was given when the exchange fails, and the client's request must outlive a failed exchange
 * (its 502 is written on the same connection). A body cut short (the client closed or reset
 * mid-body) errors this stream, and undici then destroys the upstream connection: the backend
 * never reads a complete request.
 */
function bodyOf(req: IncomingMessage): PassThrough {
  const body = new PassThrough();
  req.pipe(body);
  req.once('close', () => {
    if (!req.complete) body.destroy(new Error('the client closed its connection before the end of its request body'));
  });
  return body;
}

/**
 * The answer's headers as the client gets them: every field as received (a repeated one, such as
 * Set-Cookie, stays one line per value), less the connection's own, plus whether the client's
 * connection stays open. The backend's `Connection: keep-alive` concerns our connection to it:
 * left in place, it would keep open a client connection the client asked to close.
 */
function responseHeaders(headers: UndiciHeaders, keepAlive: boolean): OutgoingHttpHeaders {
  const named = headers.connection === undefined ? [] : listed(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (RESPONSE_DROPPED.has(name) || named.includes(name)) continue;
    out[name] = headers[name];
  }
  out.connection = keepAlive ? 'keep-alive' : 'close';
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

function translate(err: Error, up?: Upstream): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = errorCode(err) ?? '';
  if (TIMEOUT_CODES.has(code)) return new UpstreamError('upstream_timeout', up?.timeoutMessage ?? 'the upstream connection timed out', { cause: err });
  const what = UNREACHABLE_CODES.has(code) ? code : err.message;
  return new UpstreamError('upstream_unreachable', `the upstream failed: ${what}`, { cause: err });
}
