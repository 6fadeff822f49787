/**
 * RPT introspection (FEDZ §5) in each dialect. Keycloak authenticates the client (a PAT alone
 * fails), reports permissions only with `token_type_hint=requesting_party_token` (both naming
 * styles), and refuses unknown hints; Janssen (`…/rpt/status`) takes the PAT, ignores hints and
 * adds `pct_claims`; the spec takes the PAT.
 */
import type { Rpt } from '../devoxd/authorization-server.js';
import { authenticateClient, isReply, requirePat } from './client-auth.js';
import { json, NO_STORE, oauthError, seconds, type AsRequest, type DevAsContext, type Reply } from './exchange.js';

const KEYCLOAK_RPT_HINT = 'requesting_party_token';
const KEYCLOAK_HINTS = new Set([KEYCLOAK_RPT_HINT, 'access_token', 'refresh_token', 'id_token']);

export function handleIntrospection(ctx: DevAsContext, request: AsRequest): Reply {
  if (request.method !== 'POST') return oauthError(405, 'unsupported_method_type', `${request.method} is not supported here.`);
  if (ctx.dialect === 'keycloak') return keycloak(ctx, request);
  const pat = requirePat(ctx, request, true);
  if (isReply(pat)) return pat;
  const rpt = activeRpt(ctx, request);
  if (rpt === undefined) return json(200, { active: false }, NO_STORE);
  const now = ctx.as.nowMs();
  const body: Record<string, unknown> = {
    active: true,
    exp: seconds(rpt.expiresAtMs),
    iat: seconds(rpt.issuedAtMs),
    // Janssen leaves expired permissions out.
    permissions: rpt.permissions
      .filter((p) => p.expiresAtMs > now)
      .map((p) => ({ resource_id: p.resourceId, resource_scopes: p.scopes, exp: seconds(p.expiresAtMs) })),
  };
  if (ctx.dialect === 'janssen') Object.assign(body, { client_id: rpt.clientId, aud: rpt.clientId, pct_claims: {} });
  return json(200, body, NO_STORE);
}

function keycloak(ctx: DevAsContext, request: AsRequest): Reply {
  const client = authenticateClient(ctx, request);
  if (isReply(client)) return oauthError(401, 'invalid_client', 'Authentication failed.');
  const hint = request.form.get('token_type_hint');
  if (hint !== null && !KEYCLOAK_HINTS.has(hint)) return oauthError(400, 'invalid_request', 'Unsupported token type.');
  const rpt = activeRpt(ctx, request);
  if (rpt === undefined) return json(200, { active: false });
  const common = { exp: seconds(rpt.expiresAtMs), iat: seconds(rpt.issuedAtMs), nbf: 0, aud: client.clientId, typ: 'Bearer', active: true };
  // Without the RPT hint Keycloak introspects a plain access token: no permissions.
  if (hint !== KEYCLOAK_RPT_HINT) return json(200, common);
  return json(200, {
    ...common,
    permissions: rpt.permissions.map((p) => {
      const name = ctx.registry.byId(p.resourceId)?.name;
      return {
        rsid: p.resourceId,
        ...(name === undefined ? {} : { rsname: name }),
        ...(p.scopes.length === 0 ? {} : { scopes: p.scopes }),
        resource_id: p.resourceId,
        resource_scopes: p.scopes,
      };
    }),
  });
}

function activeRpt(ctx: DevAsContext, request: AsRequest): Rpt | undefined {
  const token = request.form.get('token');
  if (token === null || token === '') return undefined;
  return ctx.as.grantsByPrefix(token) ? loadTestRpt(ctx, token) : ctx.as.activeRpt(token);
}

/** DevAsOptions.grantingRptPrefix: an RPT holding every registered resource, issued just now. */
function loadTestRpt(ctx: DevAsContext, value: string): Rpt {
  const issuedAtMs = ctx.as.nowMs();
  const expiresAtMs = ctx.as.rptExpiry(issuedAtMs);
  const permissions = ctx.registry.all().map((r) => ({ resourceId: r.id, scopes: r.scopes, expiresAtMs }));
  return { value, clientId: 'load-test', issuedAtMs, expiresAtMs, permissions, pct: '' };
}
