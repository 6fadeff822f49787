/**
 * Permission tickets (FEDZ §4): one ticket for one or more permissions, never cached (GRANT
 * §5.5: single use). Keycloak takes a list only; Janssen/Gluu parse a single object first, so
 * one permission goes to them as an object.
 */
import { isRecord } from '../common/json.js';
import { asDetails, badAnswer, describeError, errorBody, jsonBody, optionalString } from './answer.js';
import { UmaError } from './errors.js';
import type { ProtectionApi } from './protection.js';
import type { AsDialect, PermissionRequest } from './types.js';

export interface PermissionContext {
  readonly api: ProtectionApi;
  readonly endpoint: URL;
  readonly dialect: AsDialect;
}

export async function createPermissionTicket(ctx: PermissionContext, requests: readonly PermissionRequest[]): Promise<string> {
  const [first, ...rest] = requests.map((r) => ({ resource_id: r.resource_id, resource_scopes: [...r.resource_scopes] }));
  if (first === undefined) throw new UmaError('invalid_argument', 'a permission ticket needs at least one permission');
  const json = ctx.dialect === 'janssen' && rest.length === 0 ? first : [first, ...rest];
  const answer = await ctx.api.call({ endpoint: 'permission', method: 'POST', url: ctx.endpoint, json });
  const body = jsonBody(answer);
  if (answer.status === 201 || answer.status === 200) {
    const ticket = isRecord(body) ? optionalString(body.ticket) : undefined;
    if (ticket !== undefined) return ticket;
    throw badAnswer(answer, 'a permission ticket');
  }
  const error = errorBody(answer);
  if (answer.status >= 500 || error === undefined) throw badAnswer(answer, 'a permission ticket');
  const details = asDetails(answer, error);
  const said = describeError(error, answer);
  const ids = JSON.stringify(requests.map((r) => r.resource_id));
  // A 404 from the permission endpoint itself carries no OAuth error body, so it ends above.
  if (error.error === 'invalid_resource_id' || answer.status === 404) {
    throw new UmaError('invalid_resource_id', `the AS does not know resource ${ids} (${said}): it was deleted or expired there; register it again`, details);
  }
  if (error.error === 'invalid_scope') {
    throw new UmaError('invalid_scope', `the AS refused a scope of the permission on ${ids} (${said}): register every ticket scope as a resource scope`, details);
  }
  throw new UmaError('permission_refused', `the AS refused a permission ticket for ${ids}: ${said}`, details);
}
