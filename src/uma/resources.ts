/**
 * Resource registration (FEDZ §3.2) with each dialect's documented differences: Keycloak
 * answers a full representation with scope objects, 409 on a duplicate name, 204 on update, and
 * pages its list; Janssen/Gluu take `scope_expression`, `iat` and `exp` and expire resources
 * that carry no `exp` after weeks.
 */
import { defined, isRecord } from '../common/json.js';
import { asDetails, badAnswer, describeError, errorBody, jsonBody, optionalNumber, optionalString, stringArray } from './answer.js';
import { UmaError } from './errors.js';
import type { AsAnswer } from './http.js';
import type { ProtectionApi } from './protection.js';
import type { AsDialect, RegisteredResource, ResourceDescription } from './types.js';

/** Keycloak's list page; its default page size is not documented, so the client asks for one. */
const KEYCLOAK_PAGE = 100;
/** A list longer than this is not a resource server's own set: stop rather than page forever. */
const MAX_PAGES = 1000;
/** Janssen/Gluu resources without `exp` lapse after `umaResourceLifetime` (30 days by default). */
export const JANSSEN_RESOURCE_LIFETIME_S = 10 * 365 * 24 * 3600;

export interface ResourceContext {
  readonly api: ProtectionApi;
  readonly endpoint: URL;
  readonly dialect: AsDialect;
  readonly now: () => number;
}

export async function listResources(ctx: ResourceContext): Promise<string[]> {
  if (ctx.dialect !== 'keycloak') return readIds(await ctx.api.call({ endpoint: 'resource_registration', method: 'GET', url: ctx.endpoint }));
  const ids: string[] = [];
  const seen = new Set<string>();
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const url = withQuery(ctx.endpoint, { first: String(page * KEYCLOAK_PAGE), max: String(KEYCLOAK_PAGE) });
    const batch = readIds(await ctx.api.call({ endpoint: 'resource_registration', method: 'GET', url }));
    const fresh = batch.filter((id) => !seen.has(id));
    for (const id of fresh) seen.add(id);
    ids.push(...fresh);
    // A short page ends the list; a page with nothing new means the AS ignores paging.
    if (batch.length < KEYCLOAK_PAGE || fresh.length === 0) return ids;
  }
  throw new UmaError('as_bad_response', `the AS listed more than ${MAX_PAGES * KEYCLOAK_PAGE} resources for this client`, { endpoint: 'resource_registration' });
}

export async function getResource(ctx: ResourceContext, id: string): Promise<RegisteredResource> {
  const answer = await ctx.api.call({ endpoint: 'resource_registration', method: 'GET', url: itemUrl(ctx, id) });
  if (answer.status === 200) {
    const resource = readResource(jsonBody(answer));
    if (resource !== undefined) return resource;
    throw badAnswer(answer, 'a resource description');
  }
  throw failure(answer, id, 'read');
}

export async function createResource(ctx: ResourceContext, description: ResourceDescription): Promise<string> {
  const answer = await ctx.api.call({ endpoint: 'resource_registration', method: 'POST', url: ctx.endpoint, json: wireBody(ctx, description) });
  if (answer.status === 201 || answer.status === 200) {
    const body = jsonBody(answer);
    const id = (isRecord(body) ? optionalString(body._id) : undefined) ?? idFromLocation(answer);
    if (id !== undefined) return id;
    throw badAnswer(answer, 'the new resource id (_id)');
  }
  throw failure(answer, description.name, 'create');
}

export async function updateResource(ctx: ResourceContext, id: string, description: ResourceDescription): Promise<void> {
  const answer = await ctx.api.call({ endpoint: 'resource_registration', method: 'PUT', url: itemUrl(ctx, id), json: wireBody(ctx, description) });
  if (answer.status === 200 || answer.status === 201 || answer.status === 204) return;
  throw failure(answer, id, 'update');
}

export async function deleteResource(ctx: ResourceContext, id: string): Promise<void> {
  const answer = await ctx.api.call({ endpoint: 'resource_registration', method: 'DELETE', url: itemUrl(ctx, id) });
  if (answer.status === 200 || answer.status === 204) return;
  throw failure(answer, id, 'delete');
}

/**
 * The id of this client's resource named exactly `name`: Keycloak searches by exact name (its
 * plain `name` is a pattern, so the answer is filtered again); other ASs are read one by one.
 */
export async function findResourceIdByName(ctx: ResourceContext, name: string): Promise<string | undefined> {
  if (ctx.dialect === 'keycloak') {
    const url = withQuery(ctx.endpoint, { name, exactName: 'true', deep: 'true', first: '0', max: String(KEYCLOAK_PAGE) });
    const answer = await ctx.api.call({ endpoint: 'resource_registration', method: 'GET', url });
    const body = jsonBody(answer);
    if (answer.status !== 200 || !Array.isArray(body)) throw badAnswer(answer, 'a list of resources');
    return body.map(readResource).find((r) => r?.name === name)?._id;
  }
  for (const id of await listResources(ctx)) {
    const resource = await getResource(ctx, id).catch((err: unknown) => {
      // Deleted between the list and the read: not the one looked for.
      if (err instanceof UmaError && err.code === 'invalid_resource_id') return undefined;
      throw err;
    });
    if (resource?.name === name) return id;
  }
  return undefined;
}

/**
 * The JSON sent: Janssen's extensions to Janssen only (with a far-future `exp` unless one is
 * given), and Keycloak's admin-style `scopes` beside `resource_scopes`, since some Keycloak
 * versions read only one of the two on update.
 */
function wireBody(ctx: ResourceContext, d: ResourceDescription): Record<string, unknown> {
  const base: Record<string, unknown> = { resource_scopes: [...d.resource_scopes] };
  for (const key of ['name', 'type', 'description', 'icon_uri'] as const) {
    if (d[key] !== undefined) base[key] = d[key];
  }
  if (ctx.dialect === 'keycloak') return { ...base, scopes: d.resource_scopes.map((name) => ({ name })) };
  if (ctx.dialect !== 'janssen') return base;
  const iat = d.iat ?? Math.floor(ctx.now() / 1000);
  return {
    ...base,
    ...(d.scope_expression === undefined ? {} : { scope_expression: d.scope_expression }),
    iat,
    exp: d.exp ?? iat + JANSSEN_RESOURCE_LIFETIME_S,
  };
}

/** A resource as read back; scopes as strings whether the AS sent strings or Keycloak's objects. */
function readResource(body: unknown): RegisteredResource | undefined {
  if (!isRecord(body)) return undefined;
  const id = optionalString(body._id);
  const scopes = scopeNames(body.resource_scopes) ?? scopeNames(body.scopes);
  if (id === undefined || scopes === undefined) return undefined;
  const text = (key: string): string | undefined => optionalString(body[key]);
  return {
    _id: id,
    resource_scopes: scopes,
    ...defined({
      name: text('name'),
      type: text('type'),
      description: text('description'),
      icon_uri: text('icon_uri'),
      scope_expression: text('scope_expression'),
      iat: optionalNumber(body.iat),
      exp: optionalNumber(body.exp),
    }),
  };
}

function scopeNames(value: unknown): readonly string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const names = value.map((scope) => (typeof scope === 'string' ? scope : isRecord(scope) ? optionalString(scope.name) : undefined));
  return names.every((n) => n !== undefined) ? names : undefined;
}

function readIds(answer: AsAnswer): string[] {
  const ids = answer.status === 200 ? stringArray(jsonBody(answer)) : undefined;
  if (ids === undefined) throw badAnswer(answer, 'a list of resource ids');
  return [...ids];
}

function failure(answer: AsAnswer, subject: string | undefined, operation: 'read' | 'create' | 'update' | 'delete'): UmaError {
  const error = errorBody(answer);
  const details = asDetails(answer, error);
  const said = describeError(error, answer);
  const what = subject === undefined ? 'the resource' : `resource ${JSON.stringify(subject)}`;
  if (answer.status === 404 && error === undefined && answer.text.trim() !== '' && jsonBody(answer) === undefined) {
    return badAnswer(answer, `the ${operation} of ${what}`);
  }
  if (answer.status === 404) {
    return new UmaError('invalid_resource_id', `the AS has no ${what} (${said}): it was deleted or expired there; register it again`, details);
  }
  if (answer.status === 409 && operation === 'create') {
    return new UmaError('resource_conflict', `the AS already has ${what} (${said}): look its id up by name and adopt it`, details);
  }
  if (answer.status >= 400 && answer.status < 500 && error !== undefined) {
    const code = error.error === 'invalid_scope' ? 'invalid_scope' : 'resource_refused';
    return new UmaError(code, `the AS refused the ${operation} of ${what}: ${said}`, details);
  }
  return badAnswer(answer, `the ${operation} of ${what}`);
}

function itemUrl(ctx: ResourceContext, id: string): URL {
  const url = new URL(ctx.endpoint.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(id)}`;
  return url;
}

function withQuery(base: URL, params: Readonly<Record<string, string>>): URL {
  const url = new URL(base.href);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url;
}

function idFromLocation(answer: AsAnswer): string | undefined {
  if (answer.location === undefined) return undefined;
  const last = new URL(answer.location, answer.url).pathname.split('/').filter((s) => s !== '').pop();
  return last === undefined ? undefined : decodeURIComponent(last);
}
