/**
 * Request header hygiene: what the client may not tell the backend (spoofed forwarding and
 * method-override headers), what the proxy tells it instead (X-Forwarded-*, X-Request-Id), and
 * how the RPT is read. Header names are compared case-insensitively with `_` read as `-`,
 * because many backends (WSGI, PHP, Jetty) fold them that way (CVE-2020-14359, CVE-2025-64484).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';

/** Exact names (normalised) a client could use to make the backend see another URL or method. */
const SPOOFABLE = new Set([
  'forwarded',
  'x-original-url',
  'x-rewrite-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-real-ip',
  // What nginx (auth_request, ingress-nginx) and Envoy hand to applications as "the URL/method
  // the client really asked for": a backend behind them may believe a client-sent copy.
  'x-original-uri',
  'x-original-method',
  'x-original-path',
  'x-request-uri',
  'x-rewrite-uri',
  'x-envoy-original-path',
  'x-envoy-original-url',
  'x-envoy-original-method',
  'x-original-host',
  'x-host',
  // The client address as CDNs and load balancers report it (Akamai, Cloudflare, Fastly, GCP,
  // Rackspace…): backends use them for IP allow-lists and rate limits, so a client-sent copy
  // would pick its own address.
  'true-client-ip',
  'x-client-ip',
  'client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
]);

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) that must not travel past this proxy, plus `expect`:
 * Node has already answered 100-continue to the client itself.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'expect']);

/**
 * Headers that frame the request body. A client naming one of them in `Connection` asks the
 * proxy to drop it — after which http-proxy (which forwarded every request before undici) wrote
 * the body to the backend unframed (GET, HEAD, …) or with `content-length: 0` (DELETE, OPTIONS),
 * and the backend parsed the body as a second, unauthorized request. They are never removed on
 * the client's word.
 */
const FRAMING = new Set(['content-length', 'transfer-encoding']);

function normalizeHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes('_') ? lower.replaceAll('_', '-') : lower;
}

/**
 * Whether a raw header name is `name` (lower-case, with neither `-` nor `_`: its normalised form
 * is its lower case). The length is compared first, so the other headers cost no lower-casing.
 */
function isNamed(raw: string | undefined, name: string): boolean {
  return raw !== undefined && raw.length === name.length && raw.toLowerCase() === name;
}

/** True for a header only a trusted proxy may set (every X-Forwarded-* and the SPOOFABLE set). */
export function isForwardingHeader(name: string): boolean {
  return isForwardingName(normalizeHeaderName(name));
}

function isForwardingName(normalized: string): boolean {
  return normalized.startsWith('x-forwarded-') || SPOOFABLE.has(normalized);
}

export type RptReading =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'invalid'; readonly detail: string };

const NO_RPT: RptReading = Object.freeze({ kind: 'none' });
const MORE_THAN_ONE_AUTHORIZATION: RptReading = Object.freeze({ kind: 'invalid', detail: 'more than one Authorization header' });

const BEARER = /^bearer(?:[ \t]+(.*))?$/i;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the RPT from the raw header list (Node keeps only the first of duplicate Authorization
 * headers in `req.headers`, so duplicates are only visible here). Another scheme (e.g. Basic)
 * carries no RPT: the request is treated as token-less and oxd still issues a ticket.
 */
export function readRpt(rawHeaders: readonly string[]): RptReading {
  let sent: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (!isNamed(rawHeaders[i], 'authorization')) continue;
    if (sent !== undefined) return MORE_THAN_ONE_AUTHORIZATION;
    sent = rawHeaders[i + 1];
  }
  const value = sent?.trim();
  if (value === undefined || value === '') return NO_RPT;
  const bearer = BEARER.exec(value);
  if (bearer === null) return NO_RPT;
  const token = bearer[1]?.trim();
  if (token === undefined || token === '') return NO_RPT;
  if (!TOKEN68.test(token)) return { kind: 'invalid', detail: 'the Bearer token is not a token68 value' };
  return { kind: 'bearer', token };
}

/**
 * The address a per-client bound counts against. Behind trusted proxies it is the rightmost
 * X-Forwarded-For entry that is not itself a trusted proxy: entries further left were written by
 * the client and prove nothing (oauth2-proxy PR #3478 trusted the leftmost one for its
 * allow-list, so any client could claim any address).
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, isTrusted: (address: string) => boolean): string {
  if (!isTrusted(peer)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i] ?? '';
    if (!isTrusted(hop)) return hop;
  }
  return hops[0] ?? peer;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's X-Request-Id when it is a plain id (it ends up in logs), else a fresh UUID. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const sent = headers['x-request-id'];
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
}

/**
 * Smuggling guards, checked before anything is judged or forwarded. (1) http-proxy's deleteLength
 * pass (http-party/node-http-proxy#1720), from when it forwarded every request: on a DELETE or
 * OPTIONS without Content-Length it set `content-length: 0` and dropped Transfer-Encoding, yet
 * still piped the body, which the backend then read as a second request. (2) `Connection: content-length` / `transfer-encoding`: see
 * FRAMING. (3) An upgrade request with body framing: http-proxy forwards the framing header but
 * never the body, so a backend that does not switch protocols waits for bytes that the next
 * request on that upstream connection supplies — and parses what follows them as a request no
 * one judged. Returns a reason, or null when fine.
 */
export function framingProblem(method: string, headers: IncomingHttpHeaders, upgrade = false): string | null {
  for (const token of listTokens(headers.connection)) {
    if (FRAMING.has(token)) return `the Connection header lists ${token}, a message-framing header`;
  }
  if ((method === 'DELETE' || method === 'OPTIONS') && headers['transfer-encoding'] !== undefined && headers['content-length'] === undefined) {
    return `${method} with a Transfer-Encoding body is not accepted`;
  }
  if (upgrade && (headers['transfer-encoding'] !== undefined || headers['content-length'] !== undefined)) {
    return 'an upgrade request carries no body: Content-Length and Transfer-Encoding are not accepted on it';
  }
  return null;
}

/**
 * `host[:port]` with a DNS name, IPv4 address or bracketed IPv6 address. Anything else (a path,
 * `?`, `#`, `@` userinfo, spaces, an empty value) would reach the backend and X-Forwarded-Host,
 * where URL builders (password-reset links, redirects, absolute-URL routers) trust it.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::[0-9]{1,5})?$/;

/**
 * Refuses a Host header a backend should not trust: one that is not `host[:port]`, or more than
 * one of them (Node keeps the first; a backend may read the last). HTTP/1.0 may omit it; Node
 * itself refuses an HTTP/1.1 request without one. Returns a reason, or null when fine.
 */
export function hostProblem(rawHeaders: readonly string[]): string | null {
  let seen = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (!isNamed(rawHeaders[i], 'host')) continue;
    seen += 1;
    if (seen > 1) return 'more than one Host header';
    if (!HOST.test(rawHeaders[i + 1] ?? '')) return 'the Host header is not host[:port]';
  }
  return null;
}

export interface UpstreamHeaderContext {
  /** The peer is a trusted proxy (--trust-proxy): its forwarding headers are kept and extended. */
  readonly trustedPeer: boolean;
  readonly peerAddress: string;
  readonly passCredentials: 'pass' | 'hide';
  readonly requestId: string;
  /** True for a WebSocket upgrade, whose Connection/Upgrade headers must reach the backend. */
  readonly upgrade: boolean;
}

/**
 * What the backend receives, as a new object: the client's headers stay as they came, because
 * forward.ts reads the client's `Connection` (close, or HTTP/1.0 without keep-alive) to decide
 * whether the client connection is kept open after the answer.
 */
export function upstreamHeaders(headers: IncomingHttpHeaders, ctx: UpstreamHeaderContext): OutgoingHttpHeaders {
  const connectionTokens = listTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const normalized = normalizeHeaderName(name);
    // framingProblem refuses such requests; this keeps the framing should any path skip it.
    const hopByHop = HOP_BY_HOP.has(normalized) || (connectionTokens.has(normalized) && !FRAMING.has(normalized));
    const keepForUpgrade = ctx.upgrade && (normalized === 'connection' || normalized === 'upgrade');
    if ((hopByHop && !keepForUpgrade) || (!ctx.trustedPeer && isForwardingName(normalized))) continue;
    out[name] = value;
  }
  if (ctx.passCredentials === 'hide') delete out.authorization;
  out['x-request-id'] = ctx.requestId;
  const priorFor = ctx.trustedPeer ? out['x-forwarded-for'] : undefined;
  out['x-forwarded-for'] = typeof priorFor === 'string' && priorFor !== '' ? `${priorFor}, ${ctx.peerAddress}` : ctx.peerAddress;
  if (!ctx.trustedPeer || out['x-forwarded-proto'] === undefined) out['x-forwarded-proto'] = 'http';
  if (!ctx.trustedPeer || out['x-forwarded-host'] === undefined) {
    if (headers.host === undefined) delete out['x-forwarded-host'];
    else out['x-forwarded-host'] = headers.host;
  }
  return out;
}

const NO_TOKENS: ReadonlySet<string> = new Set();
/** The last Connection value read, and its tokens: clients send the same one on every request. */
let lastConnection: { readonly value: string; readonly tokens: ReadonlySet<string> } | null = null;

function listTokens(value: string | undefined): ReadonlySet<string> {
  if (value === undefined) return NO_TOKENS;
  if (lastConnection?.value === value) return lastConnection.tokens;
  const tokens = new Set(value.split(',').map((t) => normalizeHeaderName(t.trim())).filter((t) => t !== ''));
  lastConnection = { value, tokens };
  return tokens;
}
