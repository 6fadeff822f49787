/**
 * Protocol-neutral command execution: picks the handler, applies oxd's protection-token rules for
 * the protocol generation, and turns malformed parameters into oxd's error. Transports only frame
 * and render the outcome.
 */
import { GENERIC_INTERNAL_ERROR, malformedParams, tokenFailure, UNSUPPORTED_OPERATION, type Failure } from './failures.js';
import {
  getAccessTokenByRefreshToken,
  getAuthorizationUrl,
  getLogoutUri,
  getTokensByCode,
  getUserInfo,
} from './oidc-operations.js';
import { fail, isFailure, resolveSite, type Handler, type OperationContext, type Outcome } from './outcome.js';
import { MalformedParams, readParams, type Params } from './params.js';
import { getClientToken, getRp, introspectAccessToken, registerSite, removeSite, setupClient, updateSite } from './site-operations.js';
import { introspectRpt, umaRpGetClaimsGatheringUrl, umaRpGetRpt, umaRsCheckAccess, umaRsProtect } from './uma-operations.js';

const BOTH = [3, 4] as const;

interface CommandSpec {
  readonly handler: Handler;
  readonly generations: readonly (3 | 4)[];
  /** oxd 4.2+ `authorizationRequired`: the command needs the Bearer token (when protection is on). */
  readonly tokenOn4x: boolean;
  /** oxd 3.x params carry `protection_access_token`, checked when protection is on. */
  readonly tokenOn3x: boolean;
}

/** A command (of both generations unless told) and which generations check its protection token. */
function spec(handler: Handler, token: { readonly on4x: boolean; readonly on3x: boolean }, generations: readonly (3 | 4)[] = BOTH): CommandSpec {
  return { handler, generations, tokenOn4x: token.on4x, tokenOn3x: token.on3x };
}

/** Protected on both generations; on 3.x only; on neither (how credentials and tokens are obtained). */
const TOKEN_BOTH = { on4x: true, on3x: true } as const;
const TOKEN_3X_ONLY = { on4x: false, on3x: true } as const;
const NO_TOKEN = { on4x: false, on3x: false } as const;

/** Every command the dev oxd answers, by wire name. */
const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map([
  ['setup_client', spec(setupClient, NO_TOKEN, [3])],
  ['get_client_token', spec(getClientToken, NO_TOKEN)],
  ['introspect_access_token', spec(introspectAccessToken, TOKEN_BOTH)],
  // register_site checks a given token itself: it links the new site to the token's client.
  ['register_site', spec(registerSite, NO_TOKEN)],
  ['update_site', spec(updateSite, TOKEN_3X_ONLY)],
  ['remove_site', spec(removeSite, TOKEN_3X_ONLY)],
  ['get_authorization_url', spec(getAuthorizationUrl, TOKEN_BOTH)],
  ['get_tokens_by_code', spec(getTokensByCode, TOKEN_BOTH)],
  ['get_access_token_by_refresh_token', spec(getAccessTokenByRefreshToken, TOKEN_BOTH)],
  ['get_user_info', spec(getUserInfo, TOKEN_BOTH)],
  ['get_logout_uri', spec(getLogoutUri, TOKEN_BOTH)],
  ['uma_rs_protect', spec(umaRsProtect, TOKEN_BOTH)],
  ['uma_rs_check_access', spec(umaRsCheckAccess, TOKEN_BOTH)],
  ['introspect_rpt', spec(introspectRpt, TOKEN_BOTH)],
  ['uma_rp_get_rpt', spec(umaRpGetRpt, TOKEN_BOTH)],
  ['uma_rp_get_claims_gathering_url', spec(umaRpGetClaimsGatheringUrl, TOKEN_BOTH)],
  ['get_rp', spec(getRp, NO_TOKEN)],
]);

export interface CommandRequest {
  /** Wire name, any case (oxd matches it case-insensitively). */
  readonly command: string;
  readonly params: unknown;
  /** Whether protection tokens are enforced (`protect_commands_with_access_token`). */
  readonly protect: boolean;
  /** 4.x: the `Authorization` header as sent. */
  readonly authorization?: string | undefined;
}

/** The handler for a command of this generation, or undefined when oxd would not know it. */
export function commandSpec(command: string, gen: 3 | 4): CommandSpec | undefined {
  const found = COMMANDS.get(command.toLowerCase());
  return found?.generations.includes(gen) === true ? found : undefined;
}

export function execute(ctx: OperationContext, request: CommandRequest): Outcome {
  const found = commandSpec(request.command, ctx.gen);
  if (found === undefined) return fail(UNSUPPORTED_OPERATION);
  try {
    const params = readParams(request.params);
    if (request.protect) {
      const problem = ctx.gen === 4 ? checkBearer(ctx, found, request.authorization, params) : checkProtectionToken(ctx, found, request.command, params);
      if (problem !== undefined) return fail(problem);
    }
    return found.handler(ctx, params);
  } catch (error) {
    if (error instanceof MalformedParams) return fail(malformedParams(ctx.gen, error.message));
    return fail(GENERIC_INTERNAL_ERROR);
  }
}

/** oxd 4.2's order: blank → site → active → `oxd` scope → the site's own client. */
function checkBearer(ctx: OperationContext, found: CommandSpec, authorization: string | undefined, params: Params): Failure | undefined {
  if (!found.tokenOn4x) return undefined;
  // oxd strips the first 7 characters ("Bearer ") without checking them.
  const token = authorization === undefined ? '' : authorization.slice(7).trim();
  if (token === '') return tokenFailure(4, 'blank');
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return site;
  const active = ctx.as.activeAccessToken(token);
  if (active === undefined) return tokenFailure(4, 'inactive');
  if (!active.scopes.includes('oxd')) return tokenFailure(4, 'insufficient_scope');
  return active.clientId === site.client.clientId ? undefined : tokenFailure(4, 'invalid');
}

/** oxd 3.x: the token travels in params and must belong to the site's setup client. */
function checkProtectionToken(ctx: OperationContext, found: CommandSpec, command: string, params: Params): Failure | undefined {
  if (!found.tokenOn3x) return undefined;
  const token = params.nonBlank('protection_access_token');
  if (token === undefined) return tokenFailure(3, 'blank');
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return site;
  // oxd 3.1.4 lets update_site on the setup client's own site through.
  if (command.toLowerCase() === 'update_site' && site.isSetupSite) return undefined;
  const active = ctx.as.activeAccessToken(token);
  if (active === undefined) return tokenFailure(3, 'inactive');
  if (!active.scopes.includes('oxd')) return tokenFailure(3, 'insufficient_scope');
  if (site.setupClientId === undefined) return tokenFailure(3, 'no_setup_client');
  return active.clientId === site.setupClientId ? undefined : tokenFailure(3, 'invalid');
}
