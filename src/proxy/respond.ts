/**
 * THE table from rejection code to HTTP status and JSON body `{code, message}`. Nothing else in
 * the proxy chooses a status for an error, so the outcome table of ARCHITECTURE.md lives here once.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES, validateHeaderValue } from 'node:http';

/** Every way the proxy answers a request itself instead of forwarding it. */
export type Rejection =
  | { readonly code: 'bad_path'; readonly detail: string }
  | { readonly code: 'bad_request'; readonly detail: string }
  | { readonly code: 'unprotected' }
  | { readonly code: 'uma_ticket'; readonly ticket: string; readonly wwwAuthenticate: string }
  | { readonly code: 'uma_forbidden' }
  | { readonly code: 'authorization_unavailable'; readonly retryAfterSeconds: number }
  | { readonly code: 'too_many_requests'; readonly retryAfterSeconds: number }
  | { readonly code: 'upstream_unreachable' }
  | { readonly code: 'upstream_timeout' }
  | { readonly code: 'not_found' }
  | { readonly code: 'internal_error' };

export type RejectionCode = Rejection['code'];

const TABLE: { readonly [C in RejectionCode]: { readonly status: number; readonly message: string } } = {
  bad_path: { status: 400, message: 'The request path is not acceptable' },
  bad_request: { status: 400, message: 'The request is malformed' },
  unprotected: { status: 403, message: 'No resource of the policy matches this request' },
  uma_ticket: {
    status: 401,
    message: 'An RPT with the required permission is needed; obtain one with the ticket',
  },
  uma_forbidden: { status: 403, message: 'Access denied and no permission ticket could be issued' },
  authorization_unavailable: {
    status: 503,
    message: 'The authorization service is unavailable; retry later',
  },
  too_many_requests: { status: 429, message: 'Too many requests are waiting for an authorization decision; retry later' },
  upstream_unreachable: { status: 502, message: 'The upstream service could not be reached' },
  upstream_timeout: { status: 504, message: 'The upstream service did not answer in time' },
  not_found: { status: 404, message: 'No such endpoint' },
  internal_error: { status: 500, message: 'Internal error' },
};

export function statusOf(code: RejectionCode): number {
  return TABLE[code].status;
}

/** A complete answer the proxy writes itself: status, headers and serialised body. */
export interface RenderedAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function renderRejection(rejection: Rejection, requestId: string | null): RenderedAnswer {
  const { status, message } = TABLE[rejection.code];
  const headers: Record<string, string> = {};
  if (requestId !== null) headers['x-request-id'] = requestId;
  const body: Record<string, string> = { code: rejection.code, message };
  switch (rejection.code) {
    case 'bad_path':
    case 'bad_request':
      body.message = `${message}: ${rejection.detail}`;
      break;
    case 'uma_ticket':
      // oxd's header verbatim: clients parse as_uri and ticket from it to obtain an RPT.
      headers['www-authenticate'] = rejection.wwwAuthenticate;
      body.ticket = rejection.ticket;
      break;
    case 'uma_forbidden':
      headers.warning = '199 - "UMA Authorization Server Unreachable"';
      break;
    case 'authorization_unavailable':
    case 'too_many_requests':
      headers['retry-after'] = String(rejection.retryAfterSeconds);
      break;
    default:
      break;
  }
  return renderJson(status, body, headers);
}

/** A JSON answer the proxy writes itself (rejections, admin endpoints): never cached. */
function renderJson(status: number, body: unknown, extraHeaders: Readonly<Record<string, string>> = {}): RenderedAnswer {
  const text = JSON.stringify(body);
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...extraHeaders,
      'content-length': String(Buffer.byteLength(text)),
    },
    body: text,
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, renderJson(status, body));
}

export function sendRejection(res: ServerResponse, rejection: Rejection, requestId: string | null): void {
  if (res.headersSent) {
    // Part of an upstream answer already went out: the only honest signal left is a cut connection.
    res.destroy();
    return;
  }
  send(res, renderRejection(rejection, requestId));
}

function send(res: ServerResponse, rendered: RenderedAnswer): void {
  res.writeHead(rendered.status, rendered.headers);
  res.end(rendered.body);
}

/** For upgrade requests, which have no ServerResponse: a raw HTTP/1.1 answer, then the socket closes. */
export function writeRejectionToSocket(socket: Duplex, rejection: Rejection, requestId: string | null): void {
  let rendered = renderRejection(rejection, requestId);
  // Raw bytes get none of ServerResponse's header checks: a value with CR/LF would let whoever
  // supplied it (oxd's WWW-Authenticate) add headers or a whole response. Fail closed instead.
  if (!Object.values(rendered.headers).every(isHeaderValue)) rendered = renderRejection({ code: 'internal_error' }, null);
  const lines = [`HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? ''}`, 'connection: close'];
  for (const [name, value] of Object.entries(rendered.headers)) lines.push(`${name}: ${value}`);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`${lines.join('\r\n')}\r\n\r\n${rendered.body}`, () => socket.destroy());
}

/** Whether Node would accept `value` as a header value (no CR, LF, NUL or other control bytes). */
export function isHeaderValue(value: string): boolean {
  try {
    validateHeaderValue('x', value);
    return true;
  } catch {
    return false;
  }
}
