// @ts-check
/**
 * A Node HTTP service that protects its own routes with UMA, in-process, with no sidecar:
 * `umaRsProtect` registers the protected resources at start, `umaRsCheckAccess` decides each
 * request, and a denial is answered as umagate answers it (401 with oxd's WWW-Authenticate and
 * the ticket, or 403).
 *
 *   OXD_URL   oxd's REST base URL            (default http://127.0.0.1:8553/, umagate dev's dev oxd)
 *   OP_HOST   the UMA authorization server   (default: none, the dev oxd then uses its own AS)
 *   PORT      where this service listens     (default 8000; 0 picks a free port)
 */
import { createServer } from 'node:http';
import { OxdClient, OxdError } from 'umagate';

const oxdUrl = process.env.OXD_URL ?? 'http://127.0.0.1:8553/';
const port = Number(process.env.PORT ?? 8000);
const opHost = process.env.OP_HOST;

const VIEW = 'https://notes.example.org/scopes/view';
const WRITE = 'https://notes.example.org/scopes/write';

/** What is registered: `path` and methods are matched exactly, as oxd matches them. */
const RESOURCES = [
  {
    path: '/notes',
    conditions: [
      { httpMethods: ['GET'], scopes: [VIEW] },
      { httpMethods: ['POST'], scopes: [WRITE] },
    ],
  },
];

/** The service's own routes; /health is public. */
const notes = ['Buy milk'];
/** @type {Record<string, (body: string) => { status: number, json: unknown }>} */
const ROUTES = {
  'GET /health': () => ({ status: 200, json: { ok: true } }),
  'GET /notes': () => ({ status: 200, json: { notes } }),
  'POST /notes': (body) => {
    notes.push(body.slice(0, 200));
    return { status: 201, json: { notes } };
  },
};

const client = new OxdClient({
  protocol: 'rest',
  baseUrl: oxdUrl,
  client: { authorizationRedirectUri: 'http://127.0.0.1/unused', ...(opHost === undefined ? {} : { opHost }) },
});
await client.setupClient();
await client.umaRsProtect(RESOURCES, { overwrite: true });

const server = createServer((req, res) => {
  handle(req, res).catch((/** @type {unknown} */ error) => {
    // Fail closed: when oxd cannot decide, nothing protected is served.
    const code = error instanceof OxdError ? error.code : 'internal_error';
    json(res, 503, { code: 'authorization_unavailable', message: `the authorization server could not decide (${code})` }, { 'retry-after': '5' });
  });
});
server.listen(port, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const address = /** @type {import('node:net').AddressInfo} */ (server.address());
console.log(`resource-server example: listening on http://127.0.0.1:${address.port}/ (protected: GET and POST /notes)`);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void client.close();
  });
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function handle(req, res) {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const route = ROUTES[`${req.method} ${path}`];
  if (route === undefined) return json(res, 404, { code: 'not_found', message: 'no such route' });
  const body = await readBody(req);
  const isProtected = RESOURCES.some((r) => r.path === path && r.conditions.some((c) => c.httpMethods.includes(req.method ?? '')));
  if (isProtected) {
    const decision = await client.umaRsCheckAccess(bearer(req.headers.authorization), path, req.method ?? '');
    if (decision.access === 'denied') {
      if (decision.ticket === null) {
        return json(res, 403, { code: 'uma_forbidden', message: 'access denied' }, { warning: '199 - "UMA Authorization Server Unreachable"' });
      }
      return json(res, 401, { code: 'uma_ticket', message: 'present an RPT for this resource', ticket: decision.ticket }, { 'www-authenticate': decision.wwwAuthenticate });
    }
  }
  const answer = route(body);
  return json(res, answer.status, answer.json);
}

/**
 * The RPT of `Authorization: Bearer <rpt>`, or null (oxd then answers with a ticket).
 * @param {string | undefined} header
 */
function bearer(header) {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<string>}
 */
async function readBody(req) {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) break;
  }
  return text;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}
