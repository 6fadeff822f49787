/**
 * Per-request work on the traffic listener: read the RPT, decide, then either answer the
 * rejection or prepare the request and forward it — and write one decision log line. HTTP
 * requests and WebSocket upgrades go through the same decision, so an upgrade is enforced
 * exactly like a GET of the same path.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { decide, type Decision, type EnforceContext } from './enforce.js';
import type { Forwarder } from './forward.js';
import type { DecisionLine, DecisionLog } from './logger.js';
import type { ProxyMetrics } from './metrics.js';
import { isTrustedPeer, type ServeOptions } from './options.js';
import { clientAddress, framingProblem, hostProblem, readRpt, requestIdOf, upstreamHeaders } from './request-headers.js';
import { sendRejection, statusOf, writeRejectionToSocket, type Rejection } from './respond.js';

export interface HandlerDeps {
  readonly options: ServeOptions;
  readonly context: () => EnforceContext;
  readonly forwarder: Forwarder;
  readonly metrics: ProxyMetrics;
  /** The one `request` line per request. */
  readonly decisionLog: DecisionLog;
  /** Called once per HTTP request, when its response closes (answered, forwarded or cut). */
  readonly onResponseClosed: () => void;
}

/** What the decision log line says about one request. */
type LogFields = DecisionLine;

export async function handleHttp(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The request's one 'close' listener: it ends the in-flight count and, once the request has
  // been forwarded, writes the log line with what the backend answered.
  let forwarded: { readonly fields: LogFields; readonly at: number } | null = null;
  res.once('close', () => {
    deps.onResponseClosed();
    if (forwarded === null) return;
    forwarded.fields.upstreamMs = Math.round(performance.now() - forwarded.at);
    forwarded.fields.status = res.statusCode;
    finish(deps, forwarded.fields);
  });
  const requestId = requestIdOf(req.headers);
  const method = req.method ?? 'GET';
  const problem = requestProblem(req, method, false);
  if (problem !== null) {
    const rejection: Rejection = { code: 'bad_request', detail: problem };
    sendRejection(res, rejection, requestId);
    finish(deps, rejectedFields(requestId, method, rejection));
    return;
  }
  const timed = timedDecision(deps, req, requestId, method);
  const { decision, fields } = timed instanceof Promise ? await timed : timed;
  if (decision.kind === 'reject') {
    sendRejection(res, decision.rejection, requestId);
    finish(deps, fields);
    return;
  }
  const headers = prepare(deps, req, decision.url, requestId, { upgrade: false });
  // Forwarded answers carry the id too, so a client can quote it against the decision log.
  res.setHeader('x-request-id', requestId);
  forwarded = { fields, at: performance.now() };
  deps.forwarder.web(req, res, headers, (err) => {
    fields.outcome = err.code;
    fields.detail = err.message;
    if (!req.socket.destroyed) sendRejection(res, { code: err.code }, requestId);
  });
}

export async function handleUpgrade(deps: HandlerDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const requestId = requestIdOf(req.headers);
  const method = req.method ?? 'GET';
  const problem =
    (req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || method !== 'GET' ? 'only WebSocket upgrades of GET requests are proxied' : requestProblem(req, method, true);
  if (problem !== null) {
    const rejection: Rejection = { code: 'bad_request', detail: problem };
    writeRejectionToSocket(socket, rejection, requestId);
    finish(deps, rejectedFields(requestId, method, rejection));
    return;
  }
  const timed = timedDecision(deps, req, requestId, method);
  const { decision, fields } = timed instanceof Promise ? await timed : timed;
  if (decision.kind === 'reject') {
    writeRejectionToSocket(socket, decision.rejection, requestId);
    finish(deps, fields);
    return;
  }
  const headers = prepare(deps, req, decision.url, requestId, { upgrade: true });
  forwardUpgrade(deps, { req, socket, head, headers, requestId, fields });
}

/**
 * Hands an allowed upgrade to the backend. Its log line and metric are written once the outcome
 * is known — when the client connection closes, or at once when the backend cannot be reached —
 * with the status the backend really answered: 101 only if it switched protocols.
 */
function forwardUpgrade(
  deps: HandlerDeps,
  u: { req: IncomingMessage; socket: Duplex; head: Buffer; headers: OutgoingHttpHeaders; requestId: string; fields: LogFields },
): void {
  const { fields, socket } = u;
  const at = performance.now();
  let answered = false;
  let logged = false;
  const log = (): void => {
    if (logged) return;
    logged = true;
    fields.upstreamMs = Math.round(performance.now() - at);
    finish(deps, fields);
  };
  socket.once('close', log);
  deps.forwarder.ws(u.req, socket, u.head, u.headers, {
    onAnswer: (status) => {
      answered = true;
      fields.status = status;
    },
    onError: (err) => {
      fields.detail = err.message;
      if (answered) {
        // The answer is on its way or the tunnel is open: no second answer can be written.
        socket.destroy();
        return;
      }
      fields.outcome = err.code;
      fields.status = statusOf(err.code);
      writeRejectionToSocket(socket, { code: err.code }, u.requestId);
      log();
    },
  });
}

/** A reason to refuse the request before it is judged (smuggling guards, Host), or null. */
function requestProblem(req: IncomingMessage, method: string, upgrade: boolean): string | null {
  return framingProblem(method, req.headers, upgrade) ?? hostProblem(req.rawHeaders);
}

interface TimedDecision {
  readonly decision: Decision;
  readonly fields: LogFields;
}

/**
 * The decision for a request, and the log fields it starts (timed: the authorization service's
 * share of the work). Synchronous when the decision is (no call to that service): callers await
 * only a real promise.
 */
function timedDecision(deps: HandlerDeps, req: IncomingMessage, requestId: string, method: string): TimedDecision | Promise<TimedDecision> {
  const started = performance.now();
  const context = deps.context();
  const client = clientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], (address) => isTrustedPeer(deps.options, address));
  const timed = (decision: Decision): TimedDecision => ({ decision, fields: baseFields(decision, requestId, context.state.generation, method, performance.now() - started) });
  const decision = decide(context, { method, target: req.url ?? '', rpt: readRpt(req.rawHeaders), client });
  return decision instanceof Promise ? decision.then(timed) : timed(decision);
}

function prepare(deps: HandlerDeps, req: IncomingMessage, url: string, requestId: string, { upgrade }: { readonly upgrade: boolean }): OutgoingHttpHeaders {
  const peerAddress = req.socket.remoteAddress ?? '';
  // The canonical target is what was matched, so it is what the backend gets.
  req.url = url;
  return upstreamHeaders(req.headers, {
    trustedPeer: isTrustedPeer(deps.options, peerAddress),
    peerAddress,
    passCredentials: deps.options.passCredentials,
    requestId,
    upgrade,
  });
}

function rejectedFields(requestId: string, method: string, rejection: Rejection): LogFields {
  const detail = 'detail' in rejection ? rejection.detail : null;
  return { requestId, generation: null, method, path: null, reading: null, pattern: null, outcome: rejection.code, status: statusOf(rejection.code), cacheHit: false, authzMs: 0, upstreamMs: null, detail };
}

function baseFields(decision: Decision, requestId: string, generation: number, method: string, decideMs: number): LogFields {
  const askedAuthz = decision.kind === 'forward' ? decision.reason === 'granted' && !decision.cacheHit : consultsAuthz(decision.rejection);
  return {
    requestId,
    generation,
    method,
    path: decision.path,
    reading: decision.reading,
    pattern: decision.pattern,
    outcome: decision.kind === 'forward' ? decision.reason : decision.rejection.code,
    status: decision.kind === 'forward' ? 0 : statusOf(decision.rejection.code),
    cacheHit: decision.cacheHit,
    authzMs: askedAuthz ? Math.round(decideMs) : 0,
    upstreamMs: null,
    detail: decision.kind === 'reject' ? decision.detail : null,
  };
}

function consultsAuthz(rejection: Rejection): boolean {
  return rejection.code === 'uma_ticket' || rejection.code === 'uma_forbidden' || rejection.code === 'authorization_unavailable';
}

function finish(deps: HandlerDeps, fields: LogFields): void {
  deps.metrics.countRequest(fields.outcome, fields.pattern);
  const level = fields.outcome === 'authorization_unavailable' || fields.outcome.startsWith('upstream_') ? 'warn' : 'info';
  deps.decisionLog(level, fields);
}
