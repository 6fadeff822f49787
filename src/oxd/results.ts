/**
 * Narrowing of oxd's answers. Transports hand back `unknown`; these validators turn it into the
 * public result types or throw `oxd_bad_response`, so a malformed answer never travels further
 * as a half-typed object. Optional fields accept `null` (3.x serializes nulls) and drop it.
 */
import { OxdError } from './errors.js';
import { defined, isRecord } from '../common/json.js';
import type {
  CheckAccessResult,
  ClientRegistration,
  IntrospectionResult,
  NeedInfoResult,
  RpInfo,
  RptIntrospectionResult,
  RptPermission,
  RptResult,
  SiteResult,
  TokenResult,
  TokensByCodeResult,
} from './types.js';

type Json = Readonly<Record<string, unknown>>;

function bad(command: string, what: string): OxdError {
  return new OxdError('oxd_bad_response', `oxd answered ${command} with ${what}`, { command });
}

function asObject(value: unknown, command: string): Json {
  if (!isRecord(value)) throw bad(command, 'something other than a JSON object');
  return value;
}

function requiredString(o: Json, key: string, command: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '') throw bad(command, `no string "${key}"`);
  return value;
}

function optionalString(o: Json, key: string, command: string): string | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(command, `a non-string "${key}"`);
  return value;
}

function requiredNumber(o: Json, key: string, command: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(command, `no number "${key}"`);
  return value;
}

function optionalNumber(o: Json, key: string, command: string): number | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(command, `a non-number "${key}"`);
  return value;
}

function stringArray(value: unknown, key: string, command: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw bad(command, `a "${key}" that is not a list of strings`);
  }
  return value;
}

/** 3.x sends scopes space-separated, 4.x as an array (docs/oxd-protocols.md); absent means none. */
function scopeList(value: unknown, key: string, command: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(/\s+/).filter((s) => s !== '');
  return stringArray(value, key, command);
}

function withoutKeys(o: Json, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => !keys.includes(k) && v !== null));
}

export function parseSite(value: unknown, command: string): SiteResult {
  return { oxd_id: requiredString(asObject(value, command), 'oxd_id', command) };
}

export function parseClientRegistration(value: unknown, command: string): ClientRegistration {
  const o = asObject(value, command);
  return {
    oxd_id: requiredString(o, 'oxd_id', command),
    ...defined({
      op_host: optionalString(o, 'op_host', command),
      client_id: optionalString(o, 'client_id', command),
      client_secret: optionalString(o, 'client_secret', command),
      client_registration_access_token: optionalString(o, 'client_registration_access_token', command),
      client_registration_client_uri: optionalString(o, 'client_registration_client_uri', command),
      client_id_issued_at: optionalNumber(o, 'client_id_issued_at', command),
      client_secret_expires_at: optionalNumber(o, 'client_secret_expires_at', command),
      setup_client_oxd_id: optionalString(o, 'setup_client_oxd_id', command),
      client_id_of_oxd_id: optionalString(o, 'client_id_of_oxd_id', command),
      client_name: optionalString(o, 'client_name', command),
    }),
  };
}

export function parseToken(value: unknown, command: string): TokenResult {
  const o = asObject(value, command);
  return {
    access_token: requiredString(o, 'access_token', command),
    expires_in: requiredNumber(o, 'expires_in', command),
    scope: scopeList(o['scope'], 'scope', command),
    ...defined({ refresh_token: optionalString(o, 'refresh_token', command) }),
  };
}

export function parseTokensByCode(value: unknown, command: string): TokensByCodeResult {
  const o = asObject(value, command);
  const claims = o['id_token_claims'];
  if (!isRecord(claims)) throw bad(command, 'no object "id_token_claims"');
  return {
    access_token: requiredString(o, 'access_token', command),
    expires_in: requiredNumber(o, 'expires_in', command),
    id_token: requiredString(o, 'id_token', command),
    id_token_claims: claims,
    ...defined({ refresh_token: optionalString(o, 'refresh_token', command) }),
  };
}

export function parseIntrospection(value: unknown, command: string): IntrospectionResult {
  const o = asObject(value, command);
  const active = o['active'];
  if (typeof active !== 'boolean') throw bad(command, 'no boolean "active"');
  // 3.x passes oxAuth's response through, which may name the field `scopes` (docs/oxd-protocols.md).
  const scope = o['scope'] ?? o['scopes'];
  return {
    ...withoutKeys(o, ['active', 'exp', 'iat', 'client_id', 'scope']),
    active,
    ...defined({
      exp: optionalNumber(o, 'exp', command),
      iat: optionalNumber(o, 'iat', command),
      client_id: optionalString(o, 'client_id', command),
      scope: scope === undefined || scope === null ? undefined : scopeList(scope, 'scope', command),
    }),
  };
}

function parsePermission(value: unknown, command: string): RptPermission {
  const o = asObject(value, command);
  return {
    resource_id: requiredString(o, 'resource_id', command),
    resource_scopes: scopeList(o['resource_scopes'], 'resource_scopes', command),
    ...defined({ exp: optionalNumber(o, 'exp', command) }),
  };
}

export function parseRptIntrospection(value: unknown, command: string): RptIntrospectionResult {
  const o = asObject(value, command);
  const active = o['active'];
  if (typeof active !== 'boolean') throw bad(command, 'no boolean "active"');
  const permissions = o['permissions'];
  if (permissions !== undefined && permissions !== null && !Array.isArray(permissions)) {
    throw bad(command, 'a "permissions" that is not a list');
  }
  const nbf = o['nbf'];
  return {
    ...withoutKeys(o, ['active', 'exp', 'iat', 'nbf', 'permissions', 'client_id']),
    active,
    ...defined({
      exp: optionalNumber(o, 'exp', command),
      iat: optionalNumber(o, 'iat', command),
      nbf: nbf === null ? null : optionalNumber(o, 'nbf', command),
      client_id: optionalString(o, 'client_id', command),
      permissions: Array.isArray(permissions) ? permissions.map((p: unknown) => parsePermission(p, command)) : undefined,
    }),
  };
}

export function parseRpt(value: unknown, command: string): RptResult {
  const o = asObject(value, command);
  const updated = o['updated'];
  if (updated !== undefined && updated !== null && typeof updated !== 'boolean') throw bad(command, 'a non-boolean "updated"');
  return {
    access_token: requiredString(o, 'access_token', command),
    token_type: requiredString(o, 'token_type', command),
    ...defined({ pct: optionalString(o, 'pct', command), updated }),
  };
}

function parseNeedInfo(value: unknown, command: string): NeedInfoResult {
  const o = asObject(value, command);
  const claims = o['required_claims'] ?? [];
  if (!Array.isArray(claims) || !claims.every(isRecord)) throw bad(command, 'need_info whose "required_claims" is not a list of objects');
  return {
    error: 'need_info',
    ticket: requiredString(o, 'ticket', command),
    required_claims: claims,
    ...defined({ redirect_user: optionalString(o, 'redirect_user', command) }),
  };
}

/**
 * oxd's need_info error as a typed result. Both generations deliver it as an error whose
 * `details` hold the ticket and claims (3.x inside the envelope, 4.x as the bare 403 body; the
 * HTTP transport keeps that body as `details`, docs/oxd-protocols.md). A need_info of the wrong shape is
 * `oxd_bad_response` with oxd's error as its cause, since that holds what oxd actually sent.
 */
export function needInfoFromError(err: OxdError, command: string): NeedInfoResult {
  try {
    return parseNeedInfo(err.details, command);
  } catch (shapeError) {
    if (!(shapeError instanceof OxdError)) throw shapeError;
    throw new OxdError('oxd_bad_response', shapeError.message, { command, cause: err });
  }
}

export function parseCheckAccess(value: unknown, command: string): CheckAccessResult {
  const o = asObject(value, command);
  const access = o['access'];
  if (access === 'granted') return { access: 'granted' };
  if (access !== 'denied') throw bad(command, 'an "access" that is neither granted nor denied');
  const ticket = optionalString(o, 'ticket', command);
  const header = optionalString(o, 'www-authenticate_header', command);
  if (ticket !== undefined && header !== undefined) return { access: 'denied', ticket, wwwAuthenticate: header };
  if (ticket === undefined && header === undefined) return { access: 'denied', ticket: null, wwwAuthenticate: null };
  throw bad(command, 'a denial holding only one of "ticket" and "www-authenticate_header"');
}

/** For commands oxd-python reduces to one string field (`authorization_url`, `uri`, `url`). */
export function parseStringField(value: unknown, field: string, command: string): string {
  return requiredString(asObject(value, command), field, command);
}

/**
 * The user's claims. oxd 3.1.x wraps them (`{claims: {name: [values]}}`, each value a list of
 * strings); oxd 4.x answers the userinfo endpoint's JSON as it is (plain JSON values), which
 * OpenID Connect requires to hold `sub`. Values are returned as oxd sent them, never reshaped.
 */
export function parseUserInfo(value: unknown, command: string, generation: 3 | 4): Json {
  const o = asObject(value, command);
  if (generation === 4) {
    if (typeof o['sub'] !== 'string') throw bad(command, 'userinfo without a string "sub"');
    return o;
  }
  const claims = o['claims'];
  if (!isRecord(claims)) throw bad(command, 'no object "claims"');
  return claims;
}

export function parseRpInfo(value: unknown, command: string): RpInfo {
  const node = asObject(value, command)['node'];
  if (!isRecord(node)) throw bad(command, 'no object "node"');
  return { node };
}
