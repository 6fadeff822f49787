/**
 * The HTTP protocols: oxd 4.x REST (bare bodies, HTTP statuses, Bearer token) and the oxd 3.1.x
 * https-extension (socket envelopes over HTTP, a non-blank Bearer header on every endpoint but
 * /setup-client and /get-client-token). POST /<command-with-dashes>, GET /health-check.
 */
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AuthorizationServer } from './authorization-server.js';
import type { Dispatcher } from './dispatcher.js';
import { injectedFailure } from './failures.js';
import { isJsonObject, jsonCopy, type JsonValue } from './json.js';
import { commandSpec } from './operations.js';
import { fail, ok, type Outcome } from './outcome.js';
import { isAsPage, serveAsPage } from './pages.js';
import { envelope, extensionReply, restReply, type HttpReply } from './render.js';
import { MAX_FRAME } from './socket-server.js';
import type { DevOxdFault, TlsMaterial } from './types.js';

export type HttpFlavour = 'rest' | 'https-extension';

/** A plain-text answer: bad parameters (400) or the extension's socket-limit failure (500). */
interface TextReply {
  readonly status: number;
  readonly text: string;
}

type Answer = HttpReply | TextReply;

const EXTENSION_NULL_RESPONSE: TextReply = {
  status: 500,
  text: 'Command response is null, please check oxd-server.log file of oxd-server application.',
};
const FORBIDDEN = { status: 'error', data: { error: '403', error_description: 'Forbidden Access', details: null } };
const NO_TOKEN_NEEDED = new Set(['setup_client', 'get_client_token']);

/**
 * One HTTP listener: oxd's API, and the dev AS's pages (login, end session, claims gathering),
 * which share the host as they would share oxd's `op_host` in a real deployment's browser.
 */
export function createHttpServer(flavour: HttpFlavour, dispatcher: Dispatcher, as: AuthorizationServer, tls?: TlsMaterial): Server {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const served = isAsPage(path) ? serveAsPage(as, req, res) : handle(flavour, dispatcher, req, res);
    served.catch(() => {
      res.destroy();
    });
  };
  return tls === undefined ? createHttp(handler) : createHttps({ key: tls.key, cert: tls.cert }, handler);
}

/** The extension exposes the socket commands except get_rp; 4.x has no setup_client. */
function routeCommand(flavour: HttpFlavour, path: string): string | undefined {
  if (!/^\/[a-z-]+$/.test(path)) return undefined;
  const command = path.slice(1).replaceAll('-', '_');
  if (flavour === 'https-extension' && command === 'get_rp') return undefined;
  return commandSpec(command, flavour === 'rest' ? 4 : 3) === undefined ? undefined : command;
}

const NOT_FOUND: HttpReply = { status: 404, body: { code: 404, message: 'HTTP 404 Not Found' } };
const METHOD_NOT_ALLOWED: HttpReply = { status: 405, body: { code: 405, message: 'HTTP 405 Method Not Allowed' } };

/** The command a request addresses, or the answer when it addresses none. */
function route(flavour: HttpFlavour, req: IncomingMessage): string | Answer {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/health-check') {
    if (req.method !== 'GET') return METHOD_NOT_ALLOWED;
    if (flavour === 'https-extension') return { status: 200, text: 'running' };
    return { status: 200, body: { application: 'oxd', version: '4.2.0-dev', status: 'running' } };
  }
  const command = routeCommand(flavour, path);
  if (command === undefined) return NOT_FOUND;
  return req.method === 'POST' ? command : METHOD_NOT_ALLOWED;
}

async function handle(flavour: HttpFlavour, dispatcher: Dispatcher, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const command = route(flavour, req);
  const text = await readBody(req);
  if (typeof command !== 'string') {
    send(res, command);
    return;
  }
  let params: unknown;
  try {
    params = JSON.parse(text);
  } catch (error) {
    send(res, invalidParameters((error as Error).message));
    return;
  }
  const fault = dispatcher.receive(flavour, command, params);
  const reply = (): Answer => answer(flavour, dispatcher, command, params, req.headers.authorization);
  if (fault === undefined) send(res, reply());
  else await applyFault(flavour, res, fault, reply);
}

function answer(flavour: HttpFlavour, dispatcher: Dispatcher, command: string, params: unknown, authorization: string | undefined): Answer {
  if (flavour === 'rest') return rendered(flavour, dispatcher.run('rest', command, params, authorization));
  let forwarded = params;
  if (!NO_TOKEN_NEEDED.has(command)) {
    const token = authorization?.startsWith('Bearer ') === true ? authorization.slice('Bearer '.length) : '';
    if (token.trim() === '') return { status: 403, body: FORBIDDEN };
    forwarded = isJsonObject(params) ? { ...params, protection_access_token: token } : params;
  }
  // The extension forwards over the socket, so neither the request nor the reply may exceed a frame.
  if (JSON.stringify({ command, params: forwarded }).length > MAX_FRAME) return EXTENSION_NULL_RESPONSE;
  const outcome = dispatcher.run('https-extension', command, forwarded);
  if (JSON.stringify(envelope(outcome)).length > MAX_FRAME) return EXTENSION_NULL_RESPONSE;
  return rendered(flavour, outcome);
}

function invalidParameters(message: string): TextReply {
  return { status: 400, text: `Invalid parameters. Message: ${message}` };
}

function rendered(flavour: HttpFlavour, outcome: Outcome): Answer {
  // The HTTP servers bind parameters before oxd sees them, so a bad shape is their plain 400.
  if (!outcome.ok && outcome.failure.malformed !== undefined) return invalidParameters(outcome.failure.malformed);
  return flavour === 'rest' ? restReply(outcome) : extensionReply(outcome);
}

async function applyFault(flavour: HttpFlavour, res: ServerResponse, fault: DevOxdFault, reply: () => Answer): Promise<void> {
  switch (fault.kind) {
    case 'refuse':
      res.socket?.destroy();
      return;
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      send(res, reply());
      return;
    case 'garbage':
      sendText(res, 200, '<html>not oxd</html>', 'application/json');
      return;
    case 'drop_mid_frame': {
      const result = reply();
      const body = Buffer.from('text' in result ? result.text : JSON.stringify(result.body));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.write(body.subarray(0, Math.ceil(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    case 'error': {
      const outcome = fail(injectedFailure(fault.code, fault.description, fault.status));
      const base = flavour === 'rest' ? restReply(outcome) : extensionReply(outcome);
      send(res, { status: fault.status ?? base.status, body: base.body });
      return;
    }
    case 'answer':
      send(res, rendered(flavour, ok(jsonCopy(fault.data))));
      return;
  }
}

function send(res: ServerResponse, reply: Answer): void {
  if ('text' in reply) sendText(res, reply.status, reply.text);
  else sendJson(res, reply);
}

function sendJson(res: ServerResponse, reply: HttpReply): void {
  const body = JSON.stringify(reply.body satisfies JsonValue);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}
