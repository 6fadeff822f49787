/**
 * OpenID Connect commands: get_authorization_url, get_tokens_by_code,
 * get_access_token_by_refresh_token, get_user_info and get_logout_uri.
 *
 * The dev AS has one user (`dev-user`) who approves every authorization at once: the Nth
 * authorization URL carries `state=dev-state-N`, and `dev-code-N` is the code the AS would have
 * sent to the redirect URI. A code is accepted once, with its state.
 */
import { DEV_USER, type AccessToken, type Site } from './authorization-server.js';
import { asError, INVALID_CODE, NO_CODE, NO_REFRESH_TOKEN, NO_STATE, STATE_NOT_VALID } from './failures.js';
import { base64UrlJson, type JsonObject } from './json.js';
import { fail, isFailure, ok, resolveSite, seconds, tokenAnswer, type Handler, type OperationContext } from './outcome.js';

const USER_CLAIMS: Readonly<Record<string, string>> = {
  sub: DEV_USER,
  name: 'Dev User',
  email: 'dev-user@example.org',
  email_verified: 'true',
};

/** 3.x hands claims over as lists of strings, 4.x as the AS sent them. */
function claims(ctx: OperationContext, values: Readonly<Record<string, string | number>>): JsonObject {
  if (ctx.gen === 4) return values;
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, [String(value)]]));
}

function query(params: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(params)
    .flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${encodeURIComponent(value)}`]))
    .join('&');
}

function siteScopes(site: Site): readonly string[] {
  const scope = site.registration['scope'];
  return Array.isArray(scope) && scope.every((s) => typeof s === 'string') ? scope : ['openid'];
}

function redirectUri(site: Site): string | undefined {
  const { authorization_redirect_uri: single, redirect_uris: list } = site.registration;
  if (typeof single === 'string') return single;
  return Array.isArray(list) && typeof list[0] === 'string' ? list[0] : undefined;
}

export const getAuthorizationUrl: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const scopes = params.strings('scope') ?? siteScopes(site);
  const acrValues = params.strings('acr_values');
  const prompt = params.nonBlank('prompt');
  const custom = params.object('custom_parameters') ?? {};
  const redirect = params.nonBlank('redirect_uri') ?? redirectUri(site);
  const hd = params.nonBlank('hd');
  const request = ctx.as.authorize(site.oxdId, scopes);
  const extra = Object.fromEntries(Object.entries(custom).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
  const search = query({
    response_type: 'code',
    client_id: site.client.clientId,
    redirect_uri: redirect,
    scope: scopes.join(' '),
    state: request.state,
    nonce: request.nonce,
    acr_values: acrValues?.join(' '),
    prompt,
    hd,
    ...extra,
  });
  return ok({ authorization_url: `${site.opHost}/oxauth/restv1/authorize?${search}` });
};

function idToken(site: Site, token: AccessToken, nonce: string): { token: string; claims: Record<string, string | number> } {
  const payload = {
    iss: site.opHost,
    aud: site.client.clientId,
    sub: DEV_USER,
    exp: seconds(token.expiresAtMs),
    iat: seconds(token.issuedAtMs),
    nonce,
    email: USER_CLAIMS['email'] ?? '',
  };
  // Unsigned on purpose: the dev AS has no keys, and nothing should trust this token.
  return { token: `${base64UrlJson({ alg: 'none', typ: 'JWT' })}.${base64UrlJson(payload)}.`, claims: payload };
}

export const getTokensByCode: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const code = params.nonBlank('code');
  const state = params.nonBlank('state');
  if (code === undefined) return fail(NO_CODE);
  if (state === undefined) return fail(NO_STATE);
  const request = ctx.as.authorization(state);
  if (request?.oxdId !== site.oxdId) return fail(STATE_NOT_VALID);
  if (request.code !== code) return fail(INVALID_CODE);
  ctx.as.consumeAuthorization(state);
  const token = ctx.as.issueAccessToken(site.client.clientId, request.scopes, DEV_USER);
  const id = idToken(site, token, request.nonce);
  return ok({
    access_token: token.value,
    expires_in: ctx.as.options.tokenLifetimeSeconds,
    id_token: id.token,
    refresh_token: token.refreshToken,
    id_token_claims: claims(ctx, id.claims),
  });
};

export const getAccessTokenByRefreshToken: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const refreshToken = params.nonBlank('refresh_token');
  const scopes = params.strings('scope');
  if (refreshToken === undefined) return fail(NO_REFRESH_TOKEN);
  const token = ctx.as.refresh(refreshToken, scopes);
  if (token === undefined) {
    return fail(asError(400, { error: 'invalid_grant', error_description: 'The provided refresh token is invalid, expired or revoked.' }));
  }
  return ok(tokenAnswer(ctx, token));
};

export const getUserInfo: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const value = params.nonBlank('access_token');
  const token = value === undefined ? undefined : ctx.as.activeAccessToken(value);
  if (token === undefined) {
    return fail(asError(401, { error: 'invalid_token', error_description: 'The Access Token is invalid or has expired.' }));
  }
  const data = claims(ctx, { ...USER_CLAIMS, sub: token.sub ?? token.clientId });
  return ok(ctx.gen === 3 ? { claims: data, refresh_token: null, access_token: null } : { claims: data });
};

export const getLogoutUri: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const stored = site.registration['post_logout_redirect_uri'];
  const search = query({
    id_token_hint: params.nonBlank('id_token_hint'),
    post_logout_redirect_uri: params.nonBlank('post_logout_redirect_uri') ?? (typeof stored === 'string' ? stored : undefined),
    state: params.nonBlank('state'),
    session_state: params.nonBlank('session_state'),
  });
  return ok({ uri: `${site.opHost}/oxauth/restv1/end_session${search === '' ? '' : `?${search}`}` });
};
