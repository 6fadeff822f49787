/**
 * Resource registration (FEDZ §3.2) in each dialect: Keycloak's full representations with scope
 * objects, 409 on a duplicate name, 204 on update, paged and searchable list, and "Remote
 * management is disabled."; Janssen's `{_id}` answers, no name check, `exp`; the spec's 201/200.
 */
import { isJsonObject as isRecord } from '../devoxd/json.js';
import { isReply, requirePat } from './client-auth.js';
import { json, oauthError, type AsRequest, type DevAsContext, type Reply } from './exchange.js';
import type { ResourceFields, StoredResource } from './registry.js';

const KEYCLOAK_DEFAULT_MAX = 100;

export function handleResources(ctx: DevAsContext, request: AsRequest): Reply {
  const pat = requirePat(ctx, request, true);
  if (isReply(pat)) return pat;
  if (!ctx.settings.remoteResourceManagement) return oauthError(400, 'not_supported', 'Remote management is disabled.');
  const id = idOf(ctx, request.path);
  const owner = pat.clientId;
  switch (`${request.method} ${id === undefined ? 'set' : 'item'}`) {
    case 'GET set':
      return list(ctx, owner, request.query);
    case 'POST set':
      return create(ctx, owner, request);
    case 'GET item':
      return read(ctx, owner, id ?? '');
    case 'PUT item':
      return update(ctx, owner, id ?? '', request);
    case 'DELETE item':
      return ctx.registry.delete(owner, id ?? '') ? { status: 204 } : notFound(ctx);
    default:
      return oauthError(405, 'unsupported_method_type', `${request.method} is not supported here.`);
  }
}

function idOf(ctx: DevAsContext, path: string): string | undefined {
  const rest = path.slice(ctx.profile.resourceRegistrationPath.length).replace(/^\/+/, '');
  return rest === '' ? undefined : decodeURIComponent(rest);
}

function create(ctx: DevAsContext, owner: string, request: AsRequest): Reply {
  const fields = readFields(ctx, request.text);
  if (isReply(fields)) return fields;
  if (ctx.dialect === 'keycloak' && fields.name !== undefined && ctx.registry.list(owner).some((r) => r.name === fields.name)) {
    return oauthError(409, 'invalid_request', `Resource with name [${fields.name}] already exists.`);
  }
  const resource = ctx.registry.create(owner, fields);
  const location = { location: `${ctx.profile.resourceRegistrationPath}/${encodeURIComponent(resource.id)}` };
  if (ctx.dialect === 'keycloak') return json(201, keycloakView(resource), location);
  return json(201, { _id: resource.id }, ctx.dialect === 'strict' ? location : undefined);
}

function read(ctx: DevAsContext, owner: string, id: string): Reply {
  const resource = ctx.registry.get(owner, id);
  if (resource === undefined) return notFound(ctx);
  return json(200, ctx.dialect === 'keycloak' ? keycloakView(resource) : plainView(ctx, resource));
}

function update(ctx: DevAsContext, owner: string, id: string, request: AsRequest): Reply {
  const fields = readFields(ctx, request.text);
  if (isReply(fields)) return fields;
  const resource = ctx.registry.replace(owner, id, fields);
  if (resource === undefined) return notFound(ctx);
  return ctx.dialect === 'keycloak' ? { status: 204 } : json(200, { _id: resource.id });
}

function list(ctx: DevAsContext, owner: string, query: URLSearchParams): Reply {
  let resources = ctx.registry.list(owner);
  if (ctx.dialect !== 'keycloak') return json(200, resources.map((r) => r.id));
  const name = query.get('name');
  if (name !== null) {
    // Keycloak's plain `name` is a pattern; `exactName=true` makes it exact.
    resources = resources.filter((r) => (query.get('exactName') === 'true' ? r.name === name : (r.name ?? '').includes(name)));
  }
  const type = query.get('type');
  if (type !== null) resources = resources.filter((r) => r.type === type);
  const first = Number(query.get('first') ?? '0');
  const max = Number(query.get('max') ?? String(KEYCLOAK_DEFAULT_MAX));
  const page = resources.slice(first, first + max);
  return json(200, query.get('deep') === 'true' ? page.map(keycloakView) : page.map((r) => r.id));
}

/** The description sent, or the 400 answer; Keycloak also reads its admin-style `scopes` objects. */
function readFields(ctx: DevAsContext, text: string): ResourceFields | Reply {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return oauthError(400, 'invalid_request', 'The body is not JSON.');
  }
  if (!isRecord(body)) return oauthError(400, 'invalid_request', 'The resource description must be a JSON object.');
  const scopes = scopeNames(body.resource_scopes) ?? (ctx.dialect === 'keycloak' ? scopeNames(body.scopes) : undefined);
  if (scopes === undefined) return oauthError(400, 'invalid_request', 'resource_scopes must be an array of scopes.');
  const text_ = (key: string): string | undefined => (typeof body[key] === 'string' ? body[key] : undefined);
  const janssen = ctx.dialect === 'janssen';
  const now = Math.floor(ctx.as.nowMs() / 1000);
  const iat = janssen ? (typeof body.iat === 'number' ? body.iat : now) : undefined;
  return {
    name: text_('name'),
    type: text_('type'),
    description: text_('description'),
    iconUri: text_('icon_uri'),
    scopes,
    scopeExpression: janssen ? text_('scope_expression') : undefined,
    iat,
    // Janssen expires resources registered without exp after umaResourceLifetime.
    exp: janssen ? (typeof body.exp === 'number' ? body.exp : now + ctx.resourceLifetimeSeconds) : undefined,
  };
}

function scopeNames(value: unknown): readonly string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const names = value.map((s) => (typeof s === 'string' ? s : isRecord(s) && typeof s.name === 'string' ? s.name : undefined));
  return names.every((n) => n !== undefined) ? [...new Set(names)] : undefined;
}

function keycloakView(r: StoredResource): Readonly<Record<string, unknown>> {
  return {
    _id: r.id,
    name: r.name,
    ...(r.type === undefined ? {} : { type: r.type }),
    owner: { id: r.owner, name: r.owner },
    ownerManagedAccess: false,
    uris: [],
    resource_scopes: r.scopes.map((name) => ({ id: r.scopeIds.get(name), name })),
  };
}

function plainView(ctx: DevAsContext, r: StoredResource): Readonly<Record<string, unknown>> {
  const view: Record<string, unknown> = { _id: r.id, resource_scopes: r.scopes };
  if (r.name !== undefined) view.name = r.name;
  if (r.type !== undefined) view.type = r.type;
  if (r.description !== undefined) view.description = r.description;
  if (r.iconUri !== undefined) view.icon_uri = r.iconUri;
  if (ctx.dialect === 'janssen') Object.assign(view, { scope_expression: r.scopeExpression, iat: r.iat, exp: r.exp });
  return view;
}

function notFound(ctx: DevAsContext): Reply {
  switch (ctx.dialect) {
    case 'keycloak':
      return { status: 404 };
    case 'janssen':
      return oauthError(404, 'not_found', 'Resource does not exists.');
    case 'strict':
      return oauthError(404, 'not_found');
  }
}
