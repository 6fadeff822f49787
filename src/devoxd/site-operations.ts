/**
 * Site and client commands: setup_client, register_site, update_site, remove_site, get_rp,
 * get_client_token and introspect_access_token.
 */
import { CLIENT_REGISTRATION_PATH } from './as-endpoints.js';
import type { Client, ClientMetadata, Site } from './authorization-server.js';
import {
  asError,
  CLIENT_ID_REQUIRED,
  CLIENT_SECRET_REQUIRED,
  INVALID_OP_HOST,
  INVALID_REDIRECT_URI_3,
  INVALID_REDIRECT_URI_4,
  tokenFailure,
  type Failure,
} from './failures.js';
import type { JsonObject, JsonValue } from './json.js';
import { fail, isFailure, ok, resolveSite, scopeValue, seconds, tokenAnswer, type Handler, type OperationContext, type Outcome } from './outcome.js';
import type { Params } from './params.js';

/** Scopes a client token carries when get_client_token names none. */
const DEFAULT_CLIENT_TOKEN_SCOPES = ['openid', 'oxd', 'uma_protection'];

interface Registration {
  readonly opHost: string;
  readonly given: { readonly clientId: string; readonly clientSecret: string } | undefined;
  readonly metadata: ClientMetadata;
  readonly protectionToken: string | undefined;
  readonly stored: Readonly<Record<string, unknown>>;
}

function isUrl(text: string): boolean {
  return URL.canParse(text);
}

/**
 * The redirect URIs a registration or update names: 3.x has `authorization_redirect_uri` (plus
 * `redirect_uris`) and one `post_logout_redirect_uri`; 4.x only the lists, with
 * `post_logout_redirect_uris` (oxd 4.2 `RegisterSiteParams`).
 */
function clientMetadata(ctx: OperationContext, params: Params): ClientMetadata {
  const redirect = ctx.gen === 3 ? params.nonBlank('authorization_redirect_uri') : undefined;
  const redirectUris = params.strings('redirect_uris');
  const postLogout = ctx.gen === 3 ? params.nonBlank('post_logout_redirect_uri') : undefined;
  const list = (first: string | undefined, rest: readonly string[] | undefined): readonly string[] | undefined =>
    first === undefined ? rest : [first, ...(rest ?? []).filter((uri) => uri !== first)];
  return {
    clientName: params.nonBlank('client_name'),
    redirectUris: list(redirect, redirectUris),
    postLogoutRedirectUris: ctx.gen === 3 ? list(postLogout, undefined) : params.strings('post_logout_redirect_uris'),
    claimsRedirectUris: params.strings('claims_redirect_uri'),
  };
}

/** Validates register_site/setup_client parameters in oxd's order. */
function readRegistration(ctx: OperationContext, params: Params): Registration | Failure {
  const opHost = params.nonBlank('op_host') ?? ctx.as.opHost;
  const metadata = clientMetadata(ctx, params);
  if (ctx.gen === 3 && params.nonBlank('authorization_redirect_uri') === undefined) return INVALID_REDIRECT_URI_3;
  // oxd 4.2 requires redirect_uris, every one a URL; it has no authorization_redirect_uri.
  const redirectUris = metadata.redirectUris ?? [];
  if (ctx.gen === 4 && (redirectUris.length === 0 || !redirectUris.every(isUrl))) return INVALID_REDIRECT_URI_4;
  if (opHost.trim() === '') return INVALID_OP_HOST;
  const clientId = params.nonBlank('client_id');
  const clientSecret = params.nonBlank('client_secret');
  if (ctx.gen === 4 && clientId !== undefined && clientSecret === undefined) return CLIENT_SECRET_REQUIRED;
  if (ctx.gen === 4 && clientId === undefined && clientSecret !== undefined) return CLIENT_ID_REQUIRED;
  const scope = params.strings('scope');
  return {
    opHost,
    // Pre-registered credentials are used as they are instead of registering a new client.
    given: clientId !== undefined && clientSecret !== undefined ? { clientId, clientSecret } : undefined,
    metadata,
    protectionToken: params.nonBlank('protection_access_token'),
    stored: { ...params.raw, protection_access_token: undefined, op_host: opHost, scope: scope ?? ['openid'] },
  };
}

/**
 * 3.x register_site with a protection token links the new site to the token's client, whether or
 * not command protection is on.
 */
function setupClientFromToken(ctx: OperationContext, token: string | undefined): string | undefined | Failure {
  if (token === undefined) return undefined;
  const active = ctx.as.activeAccessToken(token);
  if (active === undefined) return tokenFailure(3, 'inactive');
  if (!active.scopes.includes('oxd')) return tokenFailure(3, 'insufficient_scope');
  return active.clientId;
}

function registrationData(ctx: OperationContext, site: Site): JsonObject {
  const client = site.client;
  return {
    oxd_id: site.oxdId,
    op_host: site.opHost,
    client_id: client.clientId,
    client_name: client.metadata.clientName ?? null,
    client_secret: client.clientSecret,
    client_registration_access_token: client.registrationAccessToken,
    client_registration_client_uri: registrationUri(ctx, client),
    client_id_issued_at: client.issuedAt,
    client_secret_expires_at: 0,
  };
}

function registrationUri(ctx: OperationContext, client: Client): string {
  return `${ctx.as.opHost}${CLIENT_REGISTRATION_PATH}?client_id=${client.clientId}`;
}

export const registerSite: Handler = (ctx, params) => {
  const registration = readRegistration(ctx, params);
  if ('error' in registration) return fail(registration);
  const setupClientId = ctx.gen === 3 ? setupClientFromToken(ctx, registration.protectionToken) : undefined;
  if (typeof setupClientId === 'object') return fail(setupClientId);
  const client = ctx.as.registerClient(registration.given, registration.metadata);
  const site = ctx.as.createSite({ client, opHost: registration.opHost, setupClientId, registration: registration.stored });
  return ok(ctx.gen === 3 ? { oxd_id: site.oxdId, op_host: site.opHost } : registrationData(ctx, site));
};

/** 3.x: registers the setup client (its own site) and a regular site driven by it. */
export const setupClient: Handler = (ctx, params) => {
  const registration = readRegistration(ctx, params);
  if ('error' in registration) return fail(registration);
  const setupClient = ctx.as.registerClient(registration.given, registration.metadata);
  const setupSite = ctx.as.createSite({
    client: setupClient,
    opHost: registration.opHost,
    setupClientId: setupClient.clientId,
    isSetupSite: true,
    registration: registration.stored,
  });
  const site = ctx.as.createSite({
    client: ctx.as.registerClient(undefined, registration.metadata),
    opHost: registration.opHost,
    setupClientId: setupClient.clientId,
    registration: registration.stored,
  });
  return ok({
    oxd_id: site.oxdId,
    client_id_of_oxd_id: site.client.clientId,
    op_host: site.opHost,
    setup_client_oxd_id: setupSite.oxdId,
    client_id: setupClient.clientId,
    client_secret: setupClient.clientSecret,
    client_registration_access_token: setupClient.registrationAccessToken,
    client_registration_client_uri: registrationUri(ctx, setupClient),
    client_id_issued_at: setupClient.issuedAt,
    client_secret_expires_at: 0,
  });
};

export const updateSite: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const opHost = params.nonBlank('op_host');
  const changes = { ...params.raw };
  delete changes['oxd_id'];
  delete changes['protection_access_token'];
  site.registration = { ...site.registration, ...changes };
  ctx.as.updateClient(site.client, clientMetadata(ctx, params));
  if (opHost !== undefined) site.opHost = opHost;
  return ok({ oxd_id: site.oxdId });
};

export const removeSite: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  ctx.as.removeSite(site.oxdId);
  return ok({ oxd_id: site.oxdId });
};

function rpNode(ctx: OperationContext, site: Site): JsonObject {
  const rpt = site.cachedRpt === undefined ? undefined : ctx.as.activeRpt(site.cachedRpt);
  const stored = site.registration;
  const text = (key: string): JsonValue => (typeof stored[key] === 'string' ? stored[key] : null);
  return {
    ...registrationData(ctx, site),
    setup_client_id: site.setupClientId ?? null,
    authorization_redirect_uri: text('authorization_redirect_uri'),
    post_logout_redirect_uri: text('post_logout_redirect_uri'),
    scope: (stored['scope'] as JsonValue | undefined) ?? null,
    uma_protected_resources: site.resources.map((r) => ({
      id: r.id,
      path: r.path,
      http_methods: r.httpMethods,
      scopes: r.scopes,
      scope_expressions: r.scopeExpressions,
      ticketScopes: r.ticketScopes,
    })),
    rpt: rpt?.value ?? null,
    rpt_token_type: rpt === undefined ? null : 'Bearer',
    rpt_pct: rpt?.pct ?? null,
    rpt_expires_at: rpt === undefined ? null : rpt.expiresAtMs,
  };
}

/** oxd's Rp record (`{"node": …}`); with `list: true` every site. */
export const getRp: Handler = (ctx, params) => {
  if (params.boolean('list') === true) return ok({ node: ctx.as.sites().map((site) => rpNode(ctx, site)) });
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  return ok({ node: rpNode(ctx, site) });
};

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };

export const getClientToken: Handler = (ctx, params): Outcome => {
  const clientId = params.nonBlank('client_id');
  const clientSecret = params.nonBlank('client_secret');
  const opHost = params.nonBlank('op_host');
  const scopes = params.strings('scope');
  if (opHost === undefined) return fail(INVALID_OP_HOST);
  const client = clientId === undefined ? undefined : ctx.as.client(clientId);
  if (client === undefined || client.clientSecret !== clientSecret) return fail(asError(401, INVALID_CLIENT));
  const token = ctx.as.issueAccessToken(client.clientId, scopes ?? DEFAULT_CLIENT_TOKEN_SCOPES);
  return ok(tokenAnswer(ctx, token));
};

export const introspectAccessToken: Handler = (ctx, params) => {
  const value = params.nonBlank('access_token');
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const token = value === undefined ? undefined : ctx.as.activeAccessToken(value);
  if (token === undefined) return ok({ active: false });
  return ok({
    active: true,
    client_id: token.clientId,
    username: token.sub ?? null,
    scope: scopeValue(ctx, token.scopes),
    scopes: token.scopes,
    token_type: 'bearer',
    exp: seconds(token.expiresAtMs),
    iat: seconds(token.issuedAtMs),
    sub: token.sub ?? null,
    aud: token.clientId,
    iss: site.opHost,
    acr_values: null,
    jti: null,
  });
};
