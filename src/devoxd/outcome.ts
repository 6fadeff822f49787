/** What every command handler receives and returns, independent of the wire protocol. */
import type { AccessToken, AuthorizationServer, Site } from './authorization-server.js';
import { INVALID_OXD_ID, NO_OXD_ID, type Failure, type OxdGeneration } from './failures.js';
import type { JsonObject } from './json.js';
import type { Params } from './params.js';

export interface OperationContext {
  readonly gen: OxdGeneration;
  readonly as: AuthorizationServer;
}

export type Outcome = { readonly ok: true; readonly data: JsonObject } | { readonly ok: false; readonly failure: Failure };

export type Handler = (ctx: OperationContext, params: Params) => Outcome;

export function ok(data: JsonObject): Outcome {
  return { ok: true, data };
}

export function fail(failure: Failure): Outcome {
  return { ok: false, failure };
}

/** oxd's generic oxd_id check (blank → bad_request), then the site lookup (unknown → invalid_oxd_id). */
export function resolveSite(ctx: OperationContext, params: Params): Site | Failure {
  const oxdId = params.nonBlank('oxd_id');
  if (oxdId === undefined) return NO_OXD_ID;
  return ctx.as.site(oxdId) ?? INVALID_OXD_ID;
}

export function isFailure(value: Site | Failure): value is Failure {
  return 'error' in value;
}

/** Epoch seconds, as every oxd and AS timestamp. */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** 3.x sends a space-separated scope string, 4.x a list. */
export function scopeValue(ctx: OperationContext, scopes: readonly string[]): string | readonly string[] {
  return ctx.gen === 3 ? scopes.join(' ') : scopes;
}

/** A token endpoint's answer, as get_client_token and get_access_token_by_refresh_token give it. */
export function tokenAnswer(ctx: OperationContext, token: AccessToken): JsonObject {
  return {
    access_token: token.value,
    expires_in: ctx.as.options.tokenLifetimeSeconds,
    refresh_token: token.refreshToken,
    scope: scopeValue(ctx, token.scopes),
  };
}
