/**
 * Per-request work on the traffic listener: read the RPT, decide, then either answer the
 * rejection or prepare the request and forward it — and write one decision log line. HTTP
 * requests and WebSocket upgrades go through the same decision, so an upgrade is enforced
 * exactly like a GET of the same path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { decide, type Decision, type EnforceContext } from './enforce.js';
import type { Forwarder } from './forward.js';
import type { DecisionLine, DecisionLog } from './logger.js';
import type { ProxyMetrics } from './metrics.js';
import { isTrustedPeer, type ServeOptions } from './options.js';
import { framingProblem, prepareUpstreamHeaders, readRpt, requestIdOf } from './request-headers.js';
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
  const framing = framingProblem(method, req.headers);
  if (framing !== null) {
    rejectHttp(deps, res, { requestId, method, path: null, pattern: null, rejection: { code: 'bad_request', detail: framing } });
    return;
  }
  const timed = timedDecision(deps, req, requestId, method);
  const { decision, fields } = timed instanceof Promise ? await timed : timed;
  if (decision.kind === 'reject') {
    sendRejection(res, decision.rejection, requestId);
    finish(deps, fields);
    return;
  }
  prepare(deps, req, decision.url, requestId, false);
  // Forwarded answers carry the id too, so a client can quote it against the decision log.
  res.setHeader('x-request-id', requestId);
  forwarded = { fields, at: performance.now() };
  deps.forwarder.web(req, res, (err) => {
    fields.outcome = err.code;
    fields.detail = err.message;
    if (!req.socket.destroyed) sendRejection(res, { code: err.code }, requestId);
  });
}

export async function handleUpgrade(deps: HandlerDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const requestId = requestIdOf(req.headers);
  const method = req.method ?? 'GET';
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || method !== 'GET') {
    const rejection: Rejection = { code: 'bad_request', detail: 'only WebSocket upgrades of GET requests are proxied' };
    writeRejectionToSocket(socket, rejection, requestId);
    finish(deps, { ...emptyFields(requestId, method), outcome: rejection.code, status: statusOf(rejection.code), detail: rejection.detail });
    return;
  }
  const timed = timedDecision(deps, req, requestId, method);
  const { decision, fields } = timed instanceof Promise ? await timed : timed;
  if (decision.kind === 'reject') {
    writeRejectionToSocket(socket, decision.rejection, requestId);
    finish(deps, fields);
    return;
  }
  prepare(deps, req, decision.url, requestId, true);
  fields.status = 101;
  deps.forwarder.ws(req, socket, head, (err) => {
    fields.outcome = err.code;
    fields.status = statusOf(err.code);
    writeRejectionToSocket(socket, { code: err.code }, requestId);
  });
  finish(deps, fields);
}

interface TimedDecision {
  readonly decision: Decision;
  readonly fields: LogFields;
}

/**
 * The decision for a request, and the log fields it starts (timed: oxd's share of the work).
 * Synchronous when the decision is (no oxd call): callers await only a real promise.
 */
function timedDecision(deps: HandlerDeps, req: IncomingMessage, requestId: string, method: string): TimedDecision | Promise<TimedDecision> {
  const started = performance.now();
  const context = deps.context();
  const timed = (decision: Decision): TimedDecision => ({ decision, fields: baseFields(decision, requestId, context.state.generation, method, performance.now() - started) });
  const decision = decide(context, { method, target: req.url ?? '', rpt: readRpt(req.rawHeaders) });
  return decision instanceof Promise ? decision.then(timed) : timed(decision);
}

function prepare(deps: HandlerDeps, req: IncomingMessage, url: string, requestId: string, upgrade: boolean): void {
  const peerAddress = req.socket.remoteAddress ?? '';
  prepareUpstreamHeaders(req.headers, {
    trustedPeer: isTrustedPeer(deps.options, peerAddress),
    peerAddress,
    passCredentials: deps.options.passCredentials,
    requestId,
    upgrade,
  });
  // The canonical target is what was matched, so it is what the backend gets (contract §5.1).
  req.url = url;
}

function rejectHttp(
  deps: HandlerDeps,
  res: ServerResponse,
  r: { requestId: string; method: string; path: string | null; pattern: string | null; rejection: Rejection },
): void {
  sendRejection(res, r.rejection, r.requestId);
  finish(deps, { ...emptyFields(r.requestId, r.method), outcome: r.rejection.code, status: statusOf(r.rejection.code) });
}

function emptyFields(requestId: string, method: string): LogFields {
  return { requestId, generation: null, method, path: null, reading: null, pattern: null, outcome: '', status: 0, cacheHit: false, oxdMs: 0, upstreamMs: null, detail: null };
}

function baseFields(decision: Decision, requestId: string, generation: number, method: string, decideMs: number): LogFields {
  const askedOxd = decision.kind === 'forward' ? decision.reason === 'granted' && !decision.cacheHit : consultsOxd(decision.rejection);
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
    oxdMs: askedOxd ? Math.round(decideMs) : 0,
    upstreamMs: null,
    detail: decision.kind === 'reject' ? decision.detail : null,
  };
}

function consultsOxd(rejection: Rejection): boolean {
  return rejection.code === 'uma_ticket' || rejection.code === 'uma_forbidden' || rejection.code === 'authorization_unavailable';
}

function finish(deps: HandlerDeps, fields: LogFields): void {
  deps.metrics.requests.inc({ outcome: fields.outcome, pattern: fields.pattern ?? 'none' });
  const level = fields.outcome === 'authorization_unavailable' || fields.outcome.startsWith('upstream_') ? 'warn' : 'info';
  deps.decisionLog(level, fields);
}
