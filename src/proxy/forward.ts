/**
 * The only importer of http-proxy (unmaintained since 2020: keeping it behind this file lets it
 * be swapped for httpxy, whose API matches). Every call passes an error callback, because
 * http-proxy emits 'error' on itself otherwise and an unhandled 'error' kills the process.
 * Upstream failures are translated here, once, into UpstreamError.
 */
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
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

export interface Forwarder {
  /** Sends the request (req.url already canonical, headers already prepared) to the backend. */
  web(req: IncomingMessage, res: ServerResponse, onError: UpstreamErrorHandler): void;
  /** Same for a WebSocket upgrade whose enforcement has passed. */
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, onError: UpstreamErrorHandler): void;
  close(): void;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

export function createForwarder(options: ForwarderOptions): Forwarder {
  const https = options.upstream.protocol === 'https:';
  // Keep-alive to the backend dominates a Node proxy's throughput (node-http-proxy#1058).
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
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
  const prepareOutgoing = (proxyReq: ClientRequest, req: IncomingMessage): void => {
    // http-proxy joins the path with common.urlJoin, which rewrites "http:/" into "http://" and
    // merges slashes: the backend must get exactly the canonical target that was matched.
    proxyReq.path = basePath + (req.url ?? '/');
    proxyReq.setTimeout(options.timeoutMs, () => {
      proxyReq.destroy(new UpstreamError('upstream_timeout', timeoutMessage));
    });
  };
  proxy.on('proxyReq', prepareOutgoing);
  proxy.on('proxyReqWs', prepareOutgoing);

  // http-proxy's (req, res, callback) form, which @types/http-proxy does not declare. Given an
  // options argument, http-proxy copies its options and url.parse()s the target on every request;
  // without one, it parses the target once and reuses it.
  const web = proxy.web.bind(proxy) as unknown as (req: IncomingMessage, res: ServerResponse, callback: (err: Error) => void) => void;
  return {
    web(req, res, onError) {
      web(req, res, (err) => {
        onError(translate(err));
      });
    },
    ws(req, socket, head, onError) {
      proxy.ws(req, socket, head, {}, (err: Error) => {
        onError(translate(err));
      });
    },
    close() {
      proxy.close();
      agent.destroy();
    },
  };
}

function translate(err: Error): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = errorCode(err) ?? '';
  if (code === 'ETIMEDOUT') return new UpstreamError('upstream_timeout', 'the upstream connection timed out', { cause: err });
  const what = UNREACHABLE_CODES.has(code) ? code : err.message;
  return new UpstreamError('upstream_unreachable', `the upstream failed: ${what}`, { cause: err });
}
