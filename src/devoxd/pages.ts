/**
 * The dev AS's browser-facing endpoints, served beside oxd's API on the dev oxd's HTTP listeners:
 * - the authorization endpoint: a login page (pick or type a dev user), then a redirect to the
 *   registered redirect URI with a single-use `code` and the `state` (`error=access_denied` when
 *   the user cancels);
 * - the end-session endpoint: redirects to a registered `post_logout_redirect_uri` with `state`;
 * - the UMA claims-gathering endpoint: asks for the claims the ticket lacks, then redirects to a
 *   registered `claims_redirect_uri` with a new ticket and the `state`.
 * A redirect goes only to a URI the client registered (exact match); anything else gets a page
 * saying why, never a redirect. HTML is built in html.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AUTHORIZATION_PATH, CLAIMS_GATHERING_PATH, END_SESSION_PATH } from './as-endpoints.js';
import type { AuthorizationServer, Client } from './authorization-server.js';
import { MAX_CLAIM_VALUE_LENGTH } from './claim-demands.js';
import { devUser, DEV_USERS } from './dev-users.js';
import { claimsPage, loginPage, messagePage } from './html.js';
import { isJsonObject } from './json.js';

/** Form bodies are a few fields; anything larger is refused before it is read whole. */
const MAX_FORM_BYTES = 16 * 1024;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // No scripts, no framing (the login page must not be clickjacked), nothing leaked to referrers.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

type Fields = ReadonlyMap<string, string>;
type Page = (as: AuthorizationServer, method: 'GET' | 'POST', fields: Fields) => Reply;
type Reply = { readonly status: number; readonly html: string } | { readonly redirect: string };

const PAGES: ReadonlyMap<string, Page> = new Map([
  [AUTHORIZATION_PATH, authorization],
  [END_SESSION_PATH, endSession],
  [CLAIMS_GATHERING_PATH, claimsGathering],
]);

/** Whether a request path belongs to the dev AS's pages (the rest of the listener is oxd's API). */
export function isAsPage(path: string): boolean {
  return PAGES.has(path);
}

/** Serves one page request; GET reads the query, POST a form body. */
export async function serveAsPage(as: AuthorizationServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [path = '', search = ''] = (req.url ?? '').split('?', 2);
  const handler = PAGES.get(path);
  if (handler === undefined) {
    send(res, { status: 404, html: messagePage('Not found', 'The dev AS has no page here.') });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    req.resume();
    res.setHeader('allow', 'GET, POST');
    send(res, { status: 405, html: messagePage('Method not allowed', 'Use GET or POST.') });
    return;
  }
  const body = req.method === 'POST' ? await readForm(req) : search;
  if (body === undefined) {
    send(res, { status: 413, html: messagePage('Too large', 'The form is larger than the dev AS accepts.') });
    return;
  }
  send(res, handler(as, req.method, fieldsOf(body)));
}

function fieldsOf(text: string): Fields {
  const fields = new Map<string, string>();
  // The first value of a repeated field wins, so a second copy cannot override what was checked.
  for (const [key, value] of new URLSearchParams(text)) if (!fields.has(key)) fields.set(key, value);
  return fields;
}

function send(res: ServerResponse, reply: Reply): void {
  if ('redirect' in reply) {
    res.writeHead(302, { location: reply.redirect, 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
    return;
  }
  res.writeHead(reply.status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(reply.html) });
  res.end(reply.html);
}

/** The URI with these query parameters added to any it already has. */
function withQuery(uri: string, params: Readonly<Record<string, string | undefined>>): string {
  const url = new URL(uri);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.href;
}

function refuse(title: string, message: string): Reply {
  return { status: 400, html: messagePage(title, message) };
}

/** The client and a redirect URI it registered, or the page explaining why there is none. */
function registeredClient(
  as: AuthorizationServer,
  fields: Fields,
  uriField: string,
  registered: (client: Client) => readonly string[] | undefined,
): { client: Client; uri: string } | Reply {
  const clientId = fields.get('client_id') ?? '';
  const client = as.client(clientId);
  if (client === undefined) return refuse('Unknown client', `No client "${clientId}" is registered at the dev AS.`);
  const uri = fields.get(uriField) ?? '';
  if (!(registered(client) ?? []).includes(uri)) {
    return refuse('Redirect URI not registered', `"${uri}" is not a ${uriField} registered for client "${clientId}", so the dev AS will not send you there.`);
  }
  return { client, uri };
}

/** The authorization request fields the login form carries from GET to POST. */
const REQUEST_FIELDS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce'] as const;

function authorization(as: AuthorizationServer, method: 'GET' | 'POST', fields: Fields): Reply {
  const found = registeredClient(as, fields, 'redirect_uri', (client) => client.metadata.redirectUris);
  if (!('client' in found)) return found;
  const state = fields.get('state');
  if (fields.get('response_type') !== 'code') return { redirect: withQuery(found.uri, { error: 'unsupported_response_type', state }) };
  const request = Object.fromEntries(REQUEST_FIELDS.map((name) => [name, fields.get(name)]));
  const form = (error?: string): Reply => ({
    status: error === undefined ? 200 : 400,
    html: loginPage({ action: AUTHORIZATION_PATH, clientId: found.client.clientId, users: DEV_USERS, request, ...(error === undefined ? {} : { error }) }),
  });
  if (method === 'GET') return form();
  if (fields.get('decision') !== 'allow') return { redirect: withQuery(found.uri, { error: 'access_denied', state }) };
  const typed = (fields.get('username') ?? '').trim();
  const user = devUser(typed === '' ? (fields.get('user') ?? '') : typed);
  if (user === undefined) return form('A username is 1 to 64 of a-z, 0-9, ".", "_" and "-", starting with a letter or digit.');
  const scopes = (fields.get('scope') ?? '').split(' ').filter((s) => s !== '');
  const code = as.issueCode({ clientId: found.client.clientId, redirectUri: found.uri, user, scopes, nonce: fields.get('nonce') });
  return { redirect: withQuery(found.uri, { code, state }) };
}

/** The audience of an (unverified) ID token: which client a logout comes from. */
function audience(idToken: string | undefined): string | undefined {
  const payload = idToken?.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const aud = isJsonObject(claims) ? claims['aud'] : undefined;
    return typeof aud === 'string' ? aud : undefined;
  } catch {
    return undefined;
  }
}

function endSession(as: AuthorizationServer, _method: 'GET' | 'POST', fields: Fields): Reply {
  const done = messagePage('Signed out', 'The dev AS keeps no session, so there was nothing to end. You can close this page.');
  if (fields.get('post_logout_redirect_uri') === undefined) return { status: 200, html: done };
  const clientId = fields.get('client_id') ?? audience(fields.get('id_token_hint')) ?? '';
  const found = registeredClient(as, new Map([...fields, ['client_id', clientId]]), 'post_logout_redirect_uri', (client) => client.metadata.postLogoutRedirectUris);
  if (!('client' in found)) return found;
  return { redirect: withQuery(found.uri, { state: fields.get('state') }) };
}

const GATHERING_FIELDS = ['client_id', 'ticket', 'claims_redirect_uri', 'state'] as const;

function claimsGathering(as: AuthorizationServer, method: 'GET' | 'POST', fields: Fields): Reply {
  const found = registeredClient(as, fields, 'claims_redirect_uri', (client) => client.metadata.claimsRedirectUris);
  if (!('client' in found)) return found;
  const ticket = as.ticket(fields.get('ticket') ?? '');
  if (ticket === undefined) return refuse('Unknown ticket', 'The permission ticket is unknown or was already used: ask the resource again for a new one.');
  const claims = as.requiredClaims(ticket);
  const request = Object.fromEntries(GATHERING_FIELDS.map((name) => [name, fields.get(name)]));
  const form = (error?: string): Reply => ({
    status: error === undefined ? 200 : 400,
    html: claimsPage({ action: CLAIMS_GATHERING_PATH, claims, request, ...(error === undefined ? {} : { error }) }),
  });
  if (method === 'GET') return form();
  const values: Record<string, string> = {};
  for (const claim of claims) {
    const value = (fields.get(`claim.${claim.name}`) ?? '').trim();
    if (value === '' || value.length > MAX_CLAIM_VALUE_LENGTH) return form(`${claim.friendly_name} must be 1 to ${MAX_CLAIM_VALUE_LENGTH} characters.`);
    values[claim.name] = value;
  }
  const next = as.gatherClaims(ticket.value, values);
  if (next === undefined) return refuse('Unknown ticket', 'The permission ticket was used meanwhile: ask the resource again for a new one.');
  return { redirect: withQuery(found.uri, { ticket: next.value, state: fields.get('state') }) };
}

/** Reads an urlencoded body, or undefined past MAX_FORM_BYTES. */
function readForm(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}
