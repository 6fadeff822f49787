/**
 * The dev AS's HTTP server: routes a path to its endpoint, applies injected faults, logs and
 * counts every call, and writes the handlers' replies. The browser-facing pages (claims
 * gathering) are the dev oxd's own.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultTable } from '../devoxd/faults.js';
import { isAsPage, serveAsPage } from '../devoxd/pages.js';
import { json, oauthError, type AsRequest, type DevAsContext, type Reply } from './exchange.js';
import { handleIntrospection } from './introspection-endpoint.js';
import { handlePermission } from './permission-endpoint.js';
import { handleResources } from './resource-endpoint.js';
import { handleRevocation } from './revocation-endpoint.js';
import { handleToken } from './token-endpoint.js';
import type { DevAsAuth, DevAsCall, DevAsEndpoint, DevAsFault } from './types.js';

/** Bodies the dev AS accepts; anything larger is refused before it is buffered. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Form fields that carry secrets or tokens: logged as `***`. */
const SECRET_FIELDS = new Set(['client_secret', 'token', 'rpt', 'claim_token', 'pct', 'ticket']);
const LOGIN_PAGE = '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form method="post"><input name="username"></form></body></html>\n';

export class CallLog {
  readonly calls: DevAsCall[] = [];
  readonly #counts = new Map<string, number>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  record(call: DevAsCall): void {
    this.calls.push(call);
    if (this.calls.length > this.#limit) this.calls.shift();
    for (const key of [call.endpoint, `${call.endpoint} ${call.method}`]) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  count(endpoint: DevAsEndpoint, method?: string): number {
    return this.#counts.get(method === undefined ? endpoint : `${endpoint} ${method.toUpperCase()}`) ?? 0;
  }
}

/** `context` is read per request: the profile knows the port only once the server listens. */
export function createDevAsServer(context: () => DevAsContext, faults: FaultTable<DevAsFault>, log: CallLog): Server {
  return createServer((req, res) => {
    serve(context(), faults, log, req, res).catch(() => {
      res.destroy();
    });
  });
}

async function serve(ctx: DevAsContext, faults: FaultTable<DevAsFault>, log: CallLog, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://dev-as');
  if (isAsPage(url.pathname)) {
    await serveAsPage(ctx.as, req, res);
    return;
  }
  const endpoint = route(ctx, url.pathname);
  const text = await readBody(req);
  if (endpoint === undefined) {
    write(res, text === undefined ? oauthError(413, 'invalid_request', 'Body too large.') : json(404, { error: 'not_found' }));
    return;
  }
  const request = parse(req, url, text ?? '');
  const fault = faults.take(endpoint);
  if (fault?.kind === 'refuse') {
    res.destroy();
    return;
  }
  if (fault?.kind === 'delay') await sleep(fault.ms);
  const reply = text === undefined ? oauthError(413, 'invalid_request', 'Body too large.') : await answer(ctx, endpoint, request, fault);
  log.record({ endpoint, method: request.method, path: url.pathname, auth: request.auth, body: logged(request), status: reply.status });
  if (fault?.kind === 'garbage') {
    writeText(res, 200, 'text/plain', 'this is not json {');
    return;
  }
  if (fault?.kind === 'html') {
    writeText(res, 200, 'text/html; charset=utf-8', LOGIN_PAGE);
    return;
  }
  write(res, reply);
}

async function answer(ctx: DevAsContext, endpoint: DevAsEndpoint, request: AsRequest, fault: DevAsFault | undefined): Promise<Reply> {
  if (fault?.kind === 'answer') return json(fault.status, fault.body);
  switch (endpoint) {
    case 'discovery':
      return request.method === 'GET' ? json(200, ctx.profile.discovery) : oauthError(405, 'invalid_request');
    case 'jwks':
      return ctx.signer === undefined ? json(404, { error: 'not_found', error_description: 'RPTs are not JWTs here.' }) : json(200, ctx.signer.jwks);
    case 'token':
      return handleToken(ctx, request);
    case 'revocation':
      return handleRevocation(ctx, request);
    case 'resource_registration':
      return handleResources(ctx, request);
    case 'permission':
      return handlePermission(ctx, request);
    case 'introspection':
      return handleIntrospection(ctx, request);
  }
}

function route(ctx: DevAsContext, path: string): DevAsEndpoint | undefined {
  const exact = ctx.profile.paths.get(path);
  if (exact !== undefined) return exact;
  return path.startsWith(`${ctx.profile.resourceRegistrationPath}/`) ? 'resource_registration' : undefined;
}

function parse(req: IncomingMessage, url: URL, text: string): AsRequest {
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  const form = contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(text) : new URLSearchParams();
  const authorization = req.headers.authorization ?? '';
  const basic = readBasic(authorization);
  const bearer = /^Bearer (.+)$/i.exec(authorization)?.[1];
  const auth: DevAsAuth = basic !== undefined ? 'basic' : bearer !== undefined ? 'bearer' : form.has('client_secret') ? 'client_secret_post' : 'none';
  return { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, contentType, text, form, basic, bearer, auth };
}

/** RFC 6749 §2.3.1: Basic over the form-urlencoded id and secret. */
function readBasic(authorization: string): { id: string; secret: string } | undefined {
  const encoded = /^Basic (.+)$/i.exec(authorization)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const unform = (s: string): string => decodeURIComponent(s.replaceAll('+', ' '));
  try {
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function logged(request: AsRequest): unknown {
  if (request.contentType.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries([...request.form].map(([k, v]) => [k, SECRET_FIELDS.has(k) ? '***' : v]));
  }
  if (request.text === '') return undefined;
  try {
    return JSON.parse(request.text) as unknown;
  } catch {
    return request.text;
  }
}

/** The body as text, or undefined when it exceeds the limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }).end(body);
}

function writeText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)) }).end(text);
}
