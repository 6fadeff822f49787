/**
 * UMA commands: uma_rs_protect, uma_rs_check_access, introspect_rpt, uma_rp_get_rpt and
 * uma_rp_get_claims_gathering_url (docs/oxd-protocols.md, *uma_rs_protect* to *uma_rp_get_rpt*).
 */
import { randomUUID } from 'node:crypto';
import jsonLogic from 'json-logic-js';
import { CLAIMS_GATHERING_PATH } from './as-endpoints.js';
import type { ProtectedResource, Rpt, Ticket } from './authorization-server.js';
import type { RequiredClaim } from './claim-demands.js';
import {
  INVALID_CLAIM_TOKEN,
  invalidScopeExpression,
  invalidTicket,
  METHOD_NOT_UNIQUE,
  needInfo,
  NO_CLAIMS_REDIRECT_URI,
  NO_HTTP_METHOD,
  NO_OXD_ID,
  NO_PATH,
  NO_RPT,
  NO_TICKET,
  NO_UMA_RESOURCES,
  notProtected,
  PROTECTION_EXISTS,
  type OxdGeneration,
} from './failures.js';
import { isJsonObject, type JsonObject } from './json.js';
import { query } from './oidc-operations.js';
import { fail, isFailure, ok, resolveSite, seconds, type Handler, type OperationContext } from './outcome.js';
import { MalformedParams, paramsOf } from './params.js';

type Draft = Omit<ProtectedResource, 'id'>;

/** Binds `resources` as oxd's RsResource/Condition classes would; a wrong shape is malformed params. */
function readResources(list: readonly unknown[]): { path: string; conditions: ReturnType<typeof readCondition>[] }[] {
  return list.map((item) => {
    if (!isJsonObject(item)) throw new MalformedParams('resources[] must be objects');
    const resource = paramsOf(item);
    const path = resource.string('path');
    const conditions = resource.list('conditions');
    if (path === undefined || conditions === undefined) throw new MalformedParams('resource needs path and conditions');
    return { path, conditions: conditions.map(readCondition) };
  });
}

function readCondition(item: unknown): {
  httpMethods: readonly string[];
  scopes: readonly string[];
  ticketScopes: readonly string[];
  expression: Readonly<Record<string, unknown>> | undefined;
} {
  if (!isJsonObject(item)) throw new MalformedParams('conditions[] must be objects');
  const condition = paramsOf(item);
  const httpMethods = condition.strings('httpMethods');
  if (httpMethods === undefined) throw new MalformedParams('condition needs httpMethods');
  return {
    httpMethods,
    scopes: condition.strings('scopes') ?? [],
    ticketScopes: condition.strings('ticketScopes') ?? [],
    expression: condition.object('scope_expression'),
  };
}

/** Valid when `rule` is set and `data` a non-empty list of strings; 4.x also evaluates the rule. */
function validExpression(gen: OxdGeneration, expression: Readonly<Record<string, unknown>>): readonly string[] | undefined {
  const { rule, data } = expression;
  if (rule === undefined || rule === null || !Array.isArray(data) || data.length === 0) return undefined;
  if (!data.every((s) => typeof s === 'string')) return undefined;
  if (gen === 3) return data;
  try {
    const result: unknown = jsonLogic.apply(rule, data);
    return typeof result === 'string' && data.includes(result) ? data : undefined;
  } catch {
    return undefined;
  }
}

export const umaRsProtect: Handler = (ctx, params) => {
  if (params.nonBlank('oxd_id') === undefined) return fail(NO_OXD_ID);
  const resources = readResources(params.list('resources') ?? []);
  const overwrite = params.boolean('overwrite') === true;
  if (resources.length === 0) return fail(NO_UMA_RESOURCES);
  const methodsByPath = new Map<string, Set<string>>();
  for (const resource of resources) {
    const seen = methodsByPath.get(resource.path) ?? new Set<string>();
    for (const method of resource.conditions.flatMap((c) => c.httpMethods)) {
      if (seen.has(method)) return fail(METHOD_NOT_UNIQUE);
      seen.add(method);
    }
    methodsByPath.set(resource.path, seen);
  }
  const drafts: Draft[] = [];
  for (const resource of resources) {
    for (const condition of resource.conditions) {
      const data = condition.expression === undefined ? undefined : validExpression(ctx.gen, condition.expression);
      if (condition.expression !== undefined && data === undefined) return fail(invalidScopeExpression(ctx.gen));
      drafts.push({
        path: resource.path,
        httpMethods: condition.httpMethods,
        scopes: condition.scopes,
        scopeExpressions: condition.expression === undefined ? [] : [JSON.stringify(condition.expression)],
        // oxd's getScopesForTicket: the expression's data, else ticketScopes, else scopes.
        ticketScopes: data ?? (condition.ticketScopes.length > 0 ? condition.ticketScopes : condition.scopes),
        requiredScopes: condition.scopes.length > 0 ? condition.scopes : (data ?? []),
      });
    }
  }
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  if (site.resources.length > 0 && !overwrite) return fail(PROTECTION_EXISTS);
  ctx.as.replaceResources(site, drafts);
  return ok({ oxd_id: site.oxdId });
};

function grants(rpt: Rpt | undefined, resource: ProtectedResource, required: readonly string[]): boolean {
  return (
    rpt?.permissions.some((p) => p.resourceId === resource.id && p.scopes.some((scope) => required.includes(scope))) ?? false
  );
}

export const umaRsCheckAccess: Handler = (ctx, params) => {
  if (params.nonBlank('oxd_id') === undefined) return fail(NO_OXD_ID);
  const method = params.nonBlank('http_method');
  const path = params.nonBlank('path');
  const rptValue = params.string('rpt');
  const requestScopes = ctx.gen === 4 ? (params.strings('scopes') ?? []) : [];
  if (method === undefined) return fail(NO_HTTP_METHOD);
  if (path === undefined) return fail(NO_PATH);
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const resource = ctx.as.findResource(site, path, method);
  if (resource === undefined) return fail(notProtected(path, method));
  const required = requestScopes.length > 0 ? requestScopes : resource.requiredScopes;
  const rpt = rptValue === undefined || rptValue === '' ? undefined : ctx.as.activeRpt(rptValue);
  if (grants(rpt, resource, required)) return ok({ access: 'granted', 'www-authenticate_header': null, ticket: null });
  const ticketScopes = requestScopes.length > 0 ? required : resource.ticketScopes;
  const ticket = ctx.as.issueTicket(site.oxdId, [{ resourceId: resource.id, scopes: ticketScopes }]);
  return ok({
    access: 'denied',
    'www-authenticate_header': `UMA realm="rs",as_uri="${site.opHost}",error="insufficient_scope",ticket="${ticket.value}"`,
    ticket: ticket.value,
  });
};

export const introspectRpt: Handler = (ctx, params) => {
  const value = params.nonBlank('rpt');
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  if (value === undefined) return fail(NO_RPT);
  const rpt = ctx.as.activeRpt(value);
  if (rpt === undefined) {
    return ok({ active: false, exp: null, iat: null, nbf: null, permissions: null, client_id: null, sub: null, aud: null, iss: null, jti: null });
  }
  return ok({
    active: true,
    exp: seconds(rpt.expiresAtMs),
    iat: seconds(rpt.issuedAtMs),
    nbf: null,
    permissions: rpt.permissions.map((p) => ({ resource_id: p.resourceId, resource_scopes: p.scopes, exp: seconds(p.expiresAtMs) })),
    client_id: rpt.clientId,
    sub: null,
    aud: null,
    iss: null,
    jti: null,
  });
};

function holds(rpt: Rpt, ticket: Ticket): boolean {
  return ticket.permissions.every((wanted) =>
    rpt.permissions.some((p) => p.resourceId === wanted.resourceId && wanted.scopes.every((s) => p.scopes.includes(s))),
  );
}

function needInfoDetails(ctx: OperationContext, ticket: Ticket, required: readonly RequiredClaim[]): JsonObject {
  return { error: 'need_info', ticket: ticket.value, required_claims: required, redirect_user: ctx.as.claimsGatheringUrl() };
}

function rptData(rpt: Rpt, { updated }: { readonly updated: boolean }): JsonObject {
  return { access_token: rpt.value, token_type: 'Bearer', pct: rpt.pct, updated };
}

/**
 * oxd hands out the RPT it cached for the oxd_id while it has not expired, without asking the AS.
 * The dev oxd keeps that, but when the cached RPT lacks the ticket's permission it extends the
 * RPT (as an AS upgrade would) and answers `updated: true`.
 */
export const umaRpGetRpt: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const ticketValue = params.nonBlank('ticket');
  const claimToken = params.nonBlank('claim_token');
  const claimTokenFormat = params.nonBlank('claim_token_format');
  const rptParam = params.nonBlank('rpt');
  if (ticketValue === undefined) return fail(NO_TICKET);
  if (ctx.gen === 4 && (claimToken === undefined) !== (claimTokenFormat === undefined)) return fail(INVALID_CLAIM_TOKEN);
  const ticket = ctx.as.ticket(ticketValue);
  const resourceId = ticket?.permissions[0]?.resourceId;
  const resource = ticket === undefined ? undefined : ctx.as.site(ticket.owner)?.resources.find((r) => r.id === resourceId);
  const cached = site.cachedRpt === undefined ? undefined : ctx.as.activeRpt(site.cachedRpt);
  if (cached !== undefined && (ticket === undefined || resource === undefined || holds(cached, ticket))) {
    return ok(rptData(cached, { updated: false }));
  }
  if (ticket === undefined || resource === undefined) return fail(invalidTicket(ctx.gen));
  // The dev AS accepts any claim token; without one, the claims must have been gathered.
  const required = ctx.as.requiredClaims(ticket);
  if (required.length > 0 && (claimToken === undefined || claimTokenFormat === undefined)) {
    return fail(needInfo(ctx.gen, needInfoDetails(ctx, ticket, required)));
  }
  ctx.as.consumeTicket(ticket.value);
  const upgradable = cached ?? (rptParam === undefined ? undefined : ctx.as.activeRpt(rptParam));
  if (upgradable !== undefined) {
    for (const permission of ticket.permissions) ctx.as.addPermission(upgradable, permission);
    site.cachedRpt = upgradable.value;
    return ok(rptData(upgradable, { updated: true }));
  }
  const rpt = ctx.as.issueRpt(site.client.clientId, ticket.permissions);
  site.cachedRpt = rpt.value;
  return ok(rptData(rpt, { updated: false }));
};

/** Custom parameters 4.x will not let override its own. */
const RESERVED_GATHERING_PARAMS = new Set(['oxd_id', 'client_id', 'ticket', 'state', 'claims_redirect_uri']);

/**
 * oxd 3.x always generates the state; 4.x takes one (URL-encoded) and appends custom parameters.
 * Neither encodes the ticket or the redirect URI (oxd `RpGetGetClaimsGatheringUrlOperation`).
 */
export const umaRpGetClaimsGatheringUrl: Handler = (ctx, params) => {
  const site = resolveSite(ctx, params);
  if (isFailure(site)) return fail(site);
  const ticket = params.nonBlank('ticket');
  const redirect = params.nonBlank('claims_redirect_uri');
  const given = ctx.gen === 4 ? params.nonBlank('state') : undefined;
  const custom = ctx.gen === 4 ? (params.stringMap('custom_parameters') ?? {}) : {};
  if (ticket === undefined) return fail(NO_TICKET);
  if (redirect === undefined) return fail(NO_CLAIMS_REDIRECT_URI);
  const state = given === undefined ? randomUUID() : encodeURIComponent(given);
  const extra = query(Object.fromEntries(Object.entries(custom).filter(([key]) => !RESERVED_GATHERING_PARAMS.has(key))));
  const url = `${site.opHost}${CLAIMS_GATHERING_PATH}?client_id=${site.client.clientId}&ticket=${ticket}&claims_redirect_uri=${redirect}&state=${state}`;
  return ok({ url: extra === '' ? url : `${url}&${extra}`, state });
};
