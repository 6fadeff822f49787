/**
 * OpenID Connect commands: get_authorization_url, get_tokens_by_code,
 * get_access_token_by_refresh_token, get_user_info and get_logout_uri.
 *
 * The authorization URL points at the dev AS's login page (see pages.ts): the user picks a dev
 * user, and the page redirects to the redirect URI with a single-use code and the state. oxd
 * remembers the state and nonce of each URL it built, and get_tokens_by_code accepts a code
 * only with such a state, once.
 */
import { randomUUID } from 'node:crypto';
import { AUTHORIZATION_PATH, END_SESSION_PATH } from './as-endpoints.js';
import type { AccessToken, Site } from './authorization-server.js';
import { devUser, userClaims, type DevUser } from './dev-users.js';
import {
  asError,
  INVALID_CODE,
  INVALID_NONCE,
  INVALID_REDIRECT_URI_4,
  NO_CODE,
  NO_REFRESH_TOKEN,
  NO_STATE,
  STATE_NOT_VALID,
} from './failures.js';
import { base64UrlJson, type JsonObject } from './json.js';
import { fail, isFailure, ok, resolveSite, seconds, tokenAnswer, type Handler, type OperationContext } from './outcome.js';

/** 3.x hands claims over as lists of strings, 4.x as the AS sent them (plain JSON values). */
function claims(ctx: OperationContext, values: Readonly<Record<string, string | number | boolean>>): JsonObject {
  if (ctx.gen === 4) return values;
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, [String(value)]]));
}

/** A query string; every value URL-encoded. */
export function query(params: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(params)
    .flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${encodeURIComponent(value)}`]))
    .join('&');
}

function siteScopes(site: Site): readonly string[] {
  const scope = site.registration['scope'];
  return Array.isArray(scope) && scope.every((s) => typeof s === 'string') ? scope : ['openid'];
}

export const getAuthorizationUrl: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const scopes = params.strings('scope') ?? siteScopes(site);
  const acrValues = params.strings('acr_values');
  const prompt = params.nonBlank('prompt');
  const custom = params.stringMap('custom_parameters') ?? {};
  const hd = params.nonBlank('hd');
  // 4.x lets the caller choose the state, nonce and one of the registered redirect URIs.
  const registered = site.client.metadata.redirectUris ?? [];
  const asked = ctx.gen === 4 ? params.nonBlank('redirect_uri') : undefined;
  if (asked !== undefined && !registered.includes(asked)) return fail(INVALID_REDIRECT_URI_4);
  const state = (ctx.gen === 4 ? params.nonBlank('state') : undefined) ?? randomUUID();
  const nonce = (ctx.gen === 4 ? params.nonBlank('nonce') : undefined) ?? randomUUID();
  ctx.as.rememberState({ state, nonce, oxdId: site.oxdId });
  const search = query({
    response_type: 'code',
    client_id: site.client.clientId,
    redirect_uri: asked ?? registered[0],
    scope: scopes.join(' '),
    state,
    nonce,
    acr_values: acrValues?.join(' '),
    prompt,
    hd,
    ...(ctx.gen === 4 ? (params.stringMap('params') ?? {}) : {}),
    ...custom,
  });
  return ok({ authorization_url: `${site.opHost}${AUTHORIZATION_PATH}?${search}` });
};

function idToken(site: Site, token: AccessToken, user: DevUser, nonce: string | undefined): { token: string; claims: Record<string, string | number | boolean> } {
  const payload = {
    iss: site.opHost,
    aud: site.client.clientId,
    exp: seconds(token.expiresAtMs),
    iat: seconds(token.issuedAtMs),
    ...(nonce === undefined ? {} : { nonce }),
    ...userClaims(user),
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
  const remembered = ctx.as.state(state, site.oxdId);
  if (remembered === undefined) return fail(STATE_NOT_VALID);
  const grant = ctx.as.redeemCode(code, site.client.clientId);
  if (grant === undefined) return fail(INVALID_CODE);
  if (grant.nonce !== remembered.nonce) return fail(INVALID_NONCE);
  ctx.as.forgetState(state);
  const token = ctx.as.issueAccessToken(site.client.clientId, grant.scopes, grant.user.username);
  const id = idToken(site, token, grant.user, grant.nonce);
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

/**
 * 3.x wraps the claims (`{claims: {name: [values]}}`, with null tokens beside them); 4.x answers
 * the userinfo endpoint's JSON as it is (oxd 4.2 `GetUserInfoOperation`).
 */
export const getUserInfo: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const value = params.nonBlank('access_token');
  const token = value === undefined ? undefined : ctx.as.activeAccessToken(value);
  if (token === undefined) {
    return fail(asError(401, { error: 'invalid_token', error_description: 'The Access Token is invalid or has expired.' }));
  }
  // A client's own token has no end-user: its userinfo names the client alone.
  const user = token.sub === undefined ? undefined : devUser(token.sub);
  const values = user === undefined ? { sub: token.clientId } : userClaims(user);
  return ok(ctx.gen === 3 ? { claims: claims(ctx, values), refresh_token: null, access_token: null } : values);
};

export const getLogoutUri: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const search = query({
    id_token_hint: params.nonBlank('id_token_hint'),
    post_logout_redirect_uri: params.nonBlank('post_logout_redirect_uri') ?? site.client.metadata.postLogoutRedirectUris?.[0],
    state: params.nonBlank('state'),
    session_state: params.nonBlank('session_state'),
  });
  return ok({ uri: `${site.opHost}${END_SESSION_PATH}${search === '' ? '' : `?${search}`}` });
};
