/**
 * The token endpoint: `client_credentials` for the PAT (FEDZ §1.3) and the uma-ticket grant
 * (GRANT §3.3) — any valid ticket is granted its permissions, unless the in-memory AS demands a
 * claim the ticket lacks (need_info; the claims-gathering page or a pushed claim token supplies
 * it), the dev policy denies a scope (request_denied in the dialect's words) or wants an
 * owner's approval (request_submitted).
 */
import { randomUUID } from 'node:crypto';
import type { Client, Rpt, Ticket, TicketPermission } from '../devoxd/authorization-server.js';
import type { RequiredClaim } from '../devoxd/claim-demands.js';
import { authenticateClient, isReply, PROTECTION_SCOPE } from './client-auth.js';
import { json, NO_STORE, oauthError, seconds, type AsRequest, type DevAsContext, type Reply } from './exchange.js';

export const UMA_TICKET_GRANT = 'urn:ietf:params:oauth:grant-type:uma-ticket';
/** Seconds a requesting party waits between polls after request_submitted. */
const POLL_INTERVAL_S = 5;

export async function handleToken(ctx: DevAsContext, request: AsRequest): Promise<Reply> {
  if (request.method !== 'POST') return oauthError(405, 'invalid_request', 'The token endpoint takes POST.');
  const client = authenticateClient(ctx, request);
  if (isReply(client)) return client;
  const grantType = request.form.get('grant_type');
  if (grantType === 'client_credentials') return clientCredentials(ctx, request, client);
  if (grantType === UMA_TICKET_GRANT) return umaTicket(ctx, request, client);
  return oauthError(400, 'unsupported_grant_type', `Unsupported grant_type ${JSON.stringify(grantType ?? '')}.`, NO_STORE);
}

/**
 * Keycloak puts `uma_protection` in every PAT of a client holding the role, whatever the scope
 * asked; Janssen and the spec grant it when asked for and allowed, and refuse it otherwise.
 */
function clientCredentials(ctx: DevAsContext, request: AsRequest, client: Client): Reply {
  const allowed = ctx.clientFlags.get(client.clientId)?.umaProtection ?? true;
  const asked = (request.form.get('scope') ?? '').split(' ').filter((s) => s !== '');
  let scopes: string[];
  if (ctx.dialect === 'keycloak') {
    scopes = allowed ? [PROTECTION_SCOPE] : [];
  } else {
    if (asked.includes(PROTECTION_SCOPE) && !allowed) return oauthError(400, 'invalid_scope', `The client may not request ${PROTECTION_SCOPE}.`, NO_STORE);
    scopes = asked;
  }
  const token = ctx.as.issueAccessToken(client.clientId, scopes);
  return json(
    200,
    { access_token: token.value, token_type: 'Bearer', expires_in: seconds(token.expiresAtMs - token.issuedAtMs), scope: scopes.join(' ') },
    NO_STORE,
  );
}

async function umaTicket(ctx: DevAsContext, request: AsRequest, client: Client): Promise<Reply> {
  const form = request.form;
  const ticketValue = form.get('ticket');
  if (ticketValue === null || ticketValue === '') return oauthError(400, 'invalid_request', 'ticket is required.', NO_STORE);
  const claimToken = form.get('claim_token');
  if ((claimToken === null) !== (form.get('claim_token_format') === null)) {
    return oauthError(400, 'invalid_request', 'claim_token and claim_token_format go together.', NO_STORE);
  }
  const presented = ctx.as.ticket(ticketValue);
  if (presented === undefined) return oauthError(400, 'invalid_grant', undefined, NO_STORE);
  // Single use (GRANT §5.5): presenting a ticket invalidates it, whatever the answer.
  ctx.as.consumeTicket(presented.value);
  const ticket = withSuppliedClaims(ctx, presented, claimToken, form.get('pct'));
  const scopes = ticket.permissions.flatMap((p) => p.scopes);
  if (scopes.some((s) => ctx.policy.denied.has(s))) return denied(ctx);
  if (scopes.some((s) => ctx.policy.submitted.has(s))) return submitted(ctx, ticket, form.get('submit_request') === 'true');
  const required = ctx.as.requiredClaims(ticket);
  if (required.length > 0) return needInfo(ctx, ticket, required);
  const rptParam = form.get('rpt');
  const previous = rptParam === null ? undefined : ctx.as.activeRpt(rptParam);
  const upgrade = previous !== undefined && previous.clientId === client.clientId ? previous : undefined;
  const permissions = merge(withRequestedScopes(ctx, ticket.permissions, form.get('scope')), upgrade?.permissions ?? []);
  const rpt = await issue(ctx, client, permissions);
  // The pct stands for the claims given, so a later grant need not ask for them again.
  if (Object.keys(ticket.claims).length > 0) ctx.pcts.set(rpt.pct, ticket.claims);
  return json(200, grantBody(ctx, rpt, upgrade !== undefined), NO_STORE);
}

/** Keycloak says `access_denied`/`not_authorized`, Janssen `forbidden_by_policy`, the spec `request_denied`. */
function denied(ctx: DevAsContext): Reply {
  switch (ctx.dialect) {
    case 'keycloak':
      return oauthError(403, 'access_denied', 'not_authorized', NO_STORE);
    case 'janssen':
      return oauthError(403, 'forbidden_by_policy', 'Forbidden by policy (policy returned false).', NO_STORE);
    case 'strict':
      return oauthError(403, 'request_denied', undefined, NO_STORE);
  }
}

/** Keycloak submits a request only when asked (`submit_request=true`) and sends no new ticket. */
function submitted(ctx: DevAsContext, ticket: Ticket, submitRequest: boolean): Reply {
  if (ctx.dialect === 'keycloak') {
    return submitRequest ? oauthError(403, 'access_denied', 'request_submitted', NO_STORE) : denied(ctx);
  }
  const next = ctx.as.issueTicket(ticket.owner, ticket.permissions, ticket.claims);
  return json(403, { error: 'request_submitted', ticket: next.value, interval: POLL_INTERVAL_S }, NO_STORE);
}

/**
 * The ticket with the claims the requesting party supplied along: those its pct stands for, and
 * a pushed claim token, which the dev AS takes as the value of every claim still demanded.
 */
function withSuppliedClaims(ctx: DevAsContext, ticket: Ticket, claimToken: string | null, pct: string | null): Ticket {
  let claims = { ...ticket.claims, ...(pct === null ? {} : ctx.pcts.get(pct)) };
  if (claimToken !== null) {
    const demanded = ctx.as.requiredClaims({ ...ticket, claims }).map((c): [string, string] => [c.name, claimToken]);
    claims = { ...claims, ...Object.fromEntries(demanded) };
  }
  return { ...ticket, claims };
}

/** GRANT §3.3.6: a new ticket (keeping the claims gathered so far), the claims wanted, and where to gather them. */
function needInfo(ctx: DevAsContext, ticket: Ticket, required: readonly RequiredClaim[]): Reply {
  const next = ctx.as.issueTicket(ticket.owner, ticket.permissions, ticket.claims);
  return json(403, { error: 'need_info', ticket: next.value, required_claims: required, redirect_user: ctx.as.claimsGatheringUrl() }, NO_STORE);
}

/** GRANT §3.3.4: the ticket's scopes, plus requested scopes that are registered for the resource. */
function withRequestedScopes(ctx: DevAsContext, permissions: readonly TicketPermission[], scope: string | null): TicketPermission[] {
  const requested = (scope ?? '').split(' ').filter((s) => s !== '');
  return permissions.map((p) => {
    const registered = ctx.registry.byId(p.resourceId)?.scopes ?? [];
    return { resourceId: p.resourceId, scopes: [...new Set([...p.scopes, ...requested.filter((s) => registered.includes(s))])] };
  });
}

/** Permissions of a new RPT and of the one it upgrades, one entry per resource. */
function merge(fresh: readonly TicketPermission[], previous: readonly TicketPermission[]): TicketPermission[] {
  const byResource = new Map<string, Set<string>>();
  for (const p of [...previous, ...fresh]) {
    const scopes = byResource.get(p.resourceId) ?? new Set<string>();
    for (const s of p.scopes) scopes.add(s);
    byResource.set(p.resourceId, scopes);
  }
  return [...byResource].map(([resourceId, scopes]) => ({ resourceId, scopes: [...scopes] }));
}

async function issue(ctx: DevAsContext, client: Client, permissions: readonly TicketPermission[]): Promise<Rpt> {
  if (ctx.signer === undefined) return ctx.as.issueRpt(client.clientId, permissions);
  const issuedAtMs = ctx.as.nowMs();
  const owners = permissions.map((p) => ctx.registry.byId(p.resourceId)?.owner).filter((o) => o !== undefined);
  const value = await ctx.signer.sign({
    iss: ctx.profile.issuer,
    // The requesting client, plus every resource server whose resources it holds (Keycloak adds the RS).
    aud: [...new Set([client.clientId, ...owners])],
    azp: client.clientId,
    iat: seconds(issuedAtMs),
    exp: seconds(ctx.as.rptExpiry(issuedAtMs)),
    jti: randomUUID(),
    authorization: { permissions: permissions.map((p) => jwtPermission(ctx, p)) },
  });
  return ctx.as.issueRpt(client.clientId, permissions, { value, issuedAtMs });
}

/** Keycloak's `rsid`/`rsname`/`scopes` (scopes left out when empty); elsewhere the FEDZ names. */
function jwtPermission(ctx: DevAsContext, p: TicketPermission): Record<string, unknown> {
  if (ctx.dialect !== 'keycloak') return { resource_id: p.resourceId, resource_scopes: p.scopes };
  const name = ctx.registry.byId(p.resourceId)?.name;
  return { rsid: p.resourceId, ...(name === undefined ? {} : { rsname: name }), ...(p.scopes.length === 0 ? {} : { scopes: p.scopes }) };
}

/** Keycloak answers its token response; Janssen always adds `pct` and `upgraded`; the spec may. */
function grantBody(ctx: DevAsContext, rpt: Rpt, upgraded: boolean): Record<string, unknown> {
  const expiresIn = seconds(rpt.expiresAtMs - rpt.issuedAtMs);
  if (ctx.dialect === 'keycloak') return { upgraded, access_token: rpt.value, expires_in: expiresIn, token_type: 'Bearer', 'not-before-policy': 0 };
  return { access_token: rpt.value, token_type: 'Bearer', pct: rpt.pct, upgraded };
}
