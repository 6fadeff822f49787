/**
 * RPT introspection (FEDZ §5): Keycloak authenticates the client (no PAT) and needs
 * `token_type_hint=requesting_party_token` to report permissions; Janssen/Gluu (`…/rpt/status`)
 * and the spec take the PAT and no hint. Permissions are read under either naming style.
 */
import { defined, isRecord } from '../common/json.js';
import { asDetails, badAnswer, describeError, errorBody, jsonBody, optionalNumber, optionalString, stringArray } from './answer.js';
import type { ClientAuth } from './client-auth.js';
import { UmaError } from './errors.js';
import type { AsAnswer, AsHttp } from './http.js';
import type { ProtectionApi } from './protection.js';
import type { AsDialect, RptIntrospection, IntrospectedPermission } from './types.js';

export const KEYCLOAK_RPT_HINT = 'requesting_party_token';

export interface IntrospectionContext {
  readonly http: AsHttp;
  readonly api: ProtectionApi;
  readonly auth: ClientAuth;
  readonly endpoint: URL;
  readonly dialect: AsDialect;
}

export async function introspectRpt(ctx: IntrospectionContext, rpt: string): Promise<RptIntrospection> {
  const answer =
    ctx.dialect === 'keycloak'
      ? await ctx.http.request({
          endpoint: 'introspection',
          method: 'POST',
          url: ctx.endpoint,
          headers: ctx.auth.headers,
          form: { token: rpt, token_type_hint: KEYCLOAK_RPT_HINT, ...ctx.auth.form },
        })
      : await ctx.api.call({ endpoint: 'introspection', method: 'POST', url: ctx.endpoint, form: { token: rpt } });
  return readIntrospection(answer);
}

function readIntrospection(answer: AsAnswer): RptIntrospection {
  const body = jsonBody(answer);
  if (answer.status === 200 && isRecord(body) && typeof body.active === 'boolean') {
    if (!body.active) return { active: false };
    const permissions = Array.isArray(body.permissions) ? body.permissions.flatMap(readPermission) : [];
    return {
      active: true,
      permissions,
      ...defined({ exp: optionalNumber(body.exp), iat: optionalNumber(body.iat), client_id: optionalString(body.client_id), sub: optionalString(body.sub) }),
    };
  }
  const error = errorBody(answer);
  if (answer.status === 401 || error?.error === 'invalid_client') {
    throw new UmaError(
      'invalid_client',
      `the AS refused the client at its introspection endpoint (${describeError(error, answer)}): check the client id and secret`,
      asDetails(answer, error),
    );
  }
  throw badAnswer(answer, 'an introspection result (active)');
}

/** A permission under FEDZ names or Keycloak's `rsid`/`scopes`; an entry without an id grants nothing, so it is left out. */
function readPermission(entry: unknown): IntrospectedPermission[] {
  if (!isRecord(entry)) return [];
  const id = optionalString(entry.resource_id) ?? optionalString(entry.rsid);
  if (id === undefined) return [];
  const scopes = stringArray(entry.resource_scopes) ?? stringArray(entry.scopes) ?? [];
  return [{ resource_id: id, resource_scopes: scopes, ...defined({ exp: optionalNumber(entry.exp) }) }];
}
