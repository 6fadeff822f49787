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
  REDIRECT_URI_NOT_REGISTERED,
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

/** Java's URLEncoder, which oxd's `Utils.joinAndUrlEncode` and `Utils.encode` use: spaces as `+`. */
function formEncode(text: string): string {
  return new URLSearchParams({ x: text }).toString().slice(2);
}

/**
 * Built by concatenation as oxd does (`GetAuthorizationUrlOperation`, 3.1.4 and 4.2): the
 * redirect URI, prompt and hd go in unencoded; custom_parameters travel as one
 * `custom_response_headers` JSON object; 4.x lets the caller choose the state, nonce and one of
 * the registered redirect URIs, and appends `params` as query parameters.
 */
export const getAuthorizationUrl: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const scopes = params.strings('scope') ?? siteScopes(site);
  const acrValues = params.strings('acr_values') ?? [];
  const prompt = params.nonBlank('prompt');
  const custom = params.stringMap('custom_parameters') ?? {};
  const hd = params.nonBlank('hd');
  const registered = site.client.metadata.redirectUris ?? [];
  const asked = ctx.gen === 4 ? params.nonBlank('redirect_uri') : undefined;
  if (asked !== undefined && !URL.canParse(asked)) return fail(INVALID_REDIRECT_URI_4);
  if (asked !== undefined && !registered.includes(asked)) return fail(REDIRECT_URI_NOT_REGISTERED);
  const given = (name: string): string | undefined => (ctx.gen === 4 ? params.nonBlank(name) : undefined);
  const state = given('state') === undefined ? randomUUID() : formEncode(given('state') ?? '');
  const nonce = given('nonce') === undefined ? randomUUID() : formEncode(given('nonce') ?? '');
  ctx.as.rememberState({ state, nonce, oxdId: site.oxdId });
  const extra = ctx.gen === 4 ? query(params.stringMap('params') ?? {}) : '';
  const url = [
    `${site.opHost}${AUTHORIZATION_PATH}?response_type=code`,
    `client_id=${site.client.clientId}`,
    `redirect_uri=${asked ?? registered[0] ?? ''}`,
    `scope=${formEncode(scopes.join(' '))}`,
    `state=${state}`,
    `nonce=${nonce}`,
    ...(acrValues.length > 0 ? [`acr_values=${formEncode(acrValues.join(' '))}`] : []),
    ...(prompt === undefined ? [] : [`prompt=${prompt}`]),
    ...(hd === undefined ? [] : [`hd=${hd}`]),
    ...(Object.keys(custom).length > 0 ? [`custom_response_headers=${formEncode(JSON.stringify(custom))}`] : []),
    ...(extra === '' ? [] : [extra]),
  ].join('&');
  return ok({ authorization_url: url });
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

/**
 * As oxd builds it (`GetLogoutUrlOperation`, 3.1.4 and 4.2): the post-logout URI encoded, state
 * and session_state as given; oxd leaves id_token_hint out.
 */
export const getLogoutUri: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const postLogout = params.nonBlank('post_logout_redirect_uri') ?? site.client.metadata.postLogoutRedirectUris?.[0];
  const state = params.nonBlank('state');
  const sessionState = params.nonBlank('session_state');
  const parts = [
    ...(postLogout === undefined ? [] : [`post_logout_redirect_uri=${formEncode(postLogout)}`]),
    ...(state === undefined ? [] : [`state=${state}`]),
    ...(sessionState === undefined ? [] : [`session_state=${sessionState}`]),
  ];
  return ok({ uri: `${site.opHost}${END_SESSION_PATH}${parts.length === 0 ? '' : `?${parts.join('&')}`}` });
};
