/**
 * The permission endpoint (FEDZ §4): one ticket for one or more permissions on registered
 * resources and scopes. Keycloak binds a list (and checks no uma_protection role here);
 * Janssen parses a single object, then a list; the spec allows both.
 */
import type { TicketPermission } from '../devoxd/authorization-server.js';
import { isJsonObject as isRecord } from '../devoxd/json.js';
import { isReply, requirePat } from './client-auth.js';
import { json, oauthError, type AsRequest, type DevAsContext, type Reply } from './exchange.js';

export function handlePermission(ctx: DevAsContext, request: AsRequest): Reply {
  if (request.method !== 'POST') return oauthError(405, 'unsupported_method_type', `${request.method} is not supported here.`);
  const pat = requirePat(ctx, request, ctx.dialect !== 'keycloak');
  if (isReply(pat)) return pat;
  let body: unknown;
  try {
    body = JSON.parse(request.text) as unknown;
  } catch {
    return invalidRequest(ctx, 'The body is not JSON.');
  }
  if (ctx.dialect === 'keycloak' && !Array.isArray(body)) return invalidRequest(ctx, 'Expected a list of permission requests.');
  const items: readonly unknown[] = Array.isArray(body) ? body : [body];
  if (items.length === 0) return invalidRequest(ctx, 'Invalid permission request.');
  const permissions: TicketPermission[] = [];
  for (const item of items) {
    const permission = readPermission(ctx, item);
    if (isReply(permission)) return permission;
    permissions.push(permission);
  }
  return json(201, { ticket: ctx.as.issueTicket(pat.clientId, permissions).value });
}

function readPermission(ctx: DevAsContext, item: unknown): TicketPermission | Reply {
  if (!isRecord(item) || typeof item.resource_id !== 'string' || !Array.isArray(item.resource_scopes)) {
    return invalidRequest(ctx, 'Each permission needs resource_id and resource_scopes.');
  }
  const resource = ctx.registry.byId(item.resource_id);
  if (resource === undefined) {
    return oauthError(400, 'invalid_resource_id', `Resource set with id [${item.resource_id}] does not exists in this server.`);
  }
  const scopes = item.resource_scopes.filter((s): s is string => typeof s === 'string');
  const unknown = scopes.find((s) => !resource.scopes.includes(s));
  if (unknown !== undefined || scopes.length !== item.resource_scopes.length) {
    return oauthError(400, 'invalid_scope', `Scope [${unknown ?? ''}] is invalid`);
  }
  return { resourceId: resource.id, scopes };
}

function invalidRequest(ctx: DevAsContext, description: string): Reply {
  return oauthError(400, ctx.dialect === 'strict' ? 'invalid_request' : 'invalid_permission_request', description);
}
