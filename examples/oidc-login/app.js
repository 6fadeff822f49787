// @ts-check
/**
 * OpenID Connect login with umagate's oxd client, on plain node:http: sign in through oxd
 * (getAuthorizationUrl → the AS's login page → /callback with getTokensByCode), a page with the
 * user's claims (getUserInfo), token refresh (getAccessTokenByRefreshToken) and sign-out
 * (getLogoutUri). Sessions live in memory, keyed by an HttpOnly cookie.
 *
 *   OXD_URL   oxd's REST base URL            (default http://127.0.0.1:8553/, umagate dev's dev oxd)
 *   OP_HOST   the OpenID Provider (op_host)  (default: none, the dev oxd then uses its own AS)
 *   PORT      where this app listens         (default 8000; 0 picks a free port)
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { OxdClient, OxdError } from 'umagate';

const oxdUrl = process.env.OXD_URL ?? 'http://127.0.0.1:8553/';
const port = Number(process.env.PORT ?? 8000);
const opHost = process.env.OP_HOST;

/** @typedef {{ state?: string | undefined, tokens?: import("umagate").TokensByCodeResult, claims?: Readonly<Record<string, unknown>>, refreshedAt?: string }} Session */
/** @type {Map<string, Session>} */
const sessions = new Map();

const server = createServer((req, res) => {
  handle(req, res).catch((/** @type {unknown} */ error) => {
    const message = error instanceof OxdError ? `oxd said ${error.code}: ${error.message}` : String(error);
    send(res, 502, page('Something went wrong', `<p>${escapeHtml(message)}</p><p><a href="/">Home</a></p>`));
  });
});
server.listen(port, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const address = server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}`;

// The redirect URIs are this app's own, so the client is created once the port is known.
const client = new OxdClient({
  protocol: 'rest',
  baseUrl: oxdUrl,
  client: {
    authorizationRedirectUri: `${base}/callback`,
    postLogoutRedirectUri: `${base}/`,
    scope: ['openid', 'profile', 'email'],
    ...(opHost === undefined ? {} : { opHost }),
  },
});
await client.setupClient(); // oxd 4.x: register_site, which returns the client credentials
console.log(`oidc-login example: open ${base}/ in a browser`);

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
  const url = new URL(req.url ?? '/', base);
  const [id, session] = sessionOf(req, res);
  switch (`${req.method} ${url.pathname}`) {
    case 'GET /':
      return send(res, 200, home(session));
    case 'GET /login': {
      const authorizationUrl = await client.getAuthorizationUrl({ scope: ['openid', 'profile', 'email'] });
      // Remember the state oxd put in the URL: the callback must bring back the same one.
      session.state = new URL(authorizationUrl).searchParams.get('state') ?? undefined;
      return redirect(res, authorizationUrl);
    }
    case 'GET /callback': {
      const state = url.searchParams.get('state');
      if (session.state === undefined || state !== session.state) return send(res, 400, page('Sign-in failed', '<p>The sign-in did not start here (state mismatch).</p>'));
      session.state = undefined;
      const error = url.searchParams.get('error');
      if (error !== null) return send(res, 200, page('Not signed in', `<p>The provider answered <code>${escapeHtml(error)}</code>.</p><p><a href="/">Home</a></p>`));
      session.tokens = await client.getTokensByCode(url.searchParams.get('code') ?? '', state);
      session.claims = await client.getUserInfo(session.tokens.access_token);
      return redirect(res, '/me');
    }
    case 'GET /me':
      if (session.claims === undefined) return redirect(res, '/');
      return send(res, 200, claimsPage(session));
    case 'POST /refresh': {
      if (session.tokens?.refresh_token === undefined) return redirect(res, '/');
      const refreshed = await client.getAccessTokenByRefreshToken(session.tokens.refresh_token);
      session.tokens = { ...session.tokens, ...refreshed };
      session.claims = await client.getUserInfo(refreshed.access_token);
      session.refreshedAt = new Date().toISOString();
      return redirect(res, '/me');
    }
    case 'POST /logout': {
      const idTokenHint = session.tokens?.id_token;
      sessions.delete(id);
      const logoutUri = await client.getLogoutUri({ postLogoutRedirectUri: `${base}/`, ...(idTokenHint === undefined ? {} : { idTokenHint }) });
      return redirect(res, logoutUri);
    }
    default:
      return send(res, 404, page('Not found', '<p><a href="/">Home</a></p>'));
  }
}

/**
 * The caller's session, created (with its cookie) on first sight.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @returns {[string, Session]}
 */
function sessionOf(req, res) {
  const id = /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
  const found = id === undefined ? undefined : sessions.get(id);
  if (id !== undefined && found !== undefined) return [id, found];
  const fresh = randomBytes(24).toString('base64url');
  /** @type {Session} */
  const session = {};
  sessions.set(fresh, session);
  res.setHeader('set-cookie', `sid=${fresh}; HttpOnly; SameSite=Lax; Path=/`);
  return [fresh, session];
}

/** @param {Session} session */
function home(session) {
  if (session.claims !== undefined) return page('Signed in', `<p>Signed in as <strong>${escapeHtml(String(firstValue(session.claims['name'])))}</strong>.</p><p><a href="/me">Your claims</a></p>`);
  return page('oidc-login example', '<p>You are not signed in.</p><p><a href="/login">Sign in</a></p>');
}

/** @param {Session} session */
function claimsPage(session) {
  const rows = Object.entries(session.claims ?? {})
    .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td><code>${escapeHtml(JSON.stringify(value))}</code></td></tr>`)
    .join('');
  const refreshed = session.refreshedAt === undefined ? '' : `<p>Access token refreshed at ${escapeHtml(session.refreshedAt)}.</p>`;
  return page(
    `Hello, ${String(firstValue(session.claims?.['name']))}`,
    `<p>Your claims, from <code>getUserInfo</code>:</p><table>${rows}</table>${refreshed}
<form method="post" action="/refresh"><button>Refresh the access token</button></form>
<form method="post" action="/logout"><button>Sign out</button></form>`,
  );
}

/**
 * oxd 3.1.x sends each claim as a list of strings, oxd 4.x as the AS sent it.
 * @param {unknown} value
 */
function firstValue(value) {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * @param {string} title
 * @param {string} body HTML, with every value already escaped
 */
function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto}th{text-align:left;padding-right:1rem}form{display:inline-block;margin:1rem 1rem 0 0}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} html
 */
function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {string} location
 */
function redirect(res, location) {
  res.writeHead(302, { location, 'cache-control': 'no-store' });
  res.end();
}
