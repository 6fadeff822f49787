/**
 * Every parameter of every command with the Java type oxd binds it to, per generation: oxd 3.1.4
 * (`org.xdi.oxd.common.params.*Params`, socket and https-extension) and oxd 4.2.0
 * (`org.gluu.oxd.common.params.*Params`, REST), GluuFederation/oxd branches `version_3.1.4` and
 * `version_4.2.0`. oxd binds the whole params object before any operation runs, so a value of the
 * wrong JSON type fails the command even when the operation never reads it; unknown keys are
 * dropped (every params class ignores them).
 */

/**
 * - `string`: Java String (a JSON string; numbers and booleans bind as their text)
 * - `strings`: List<String> (a JSON array of scalars; a bare string does not bind)
 * - `boolean`: Boolean (true/false, "true"/"false", or an integer)
 * - `integer`: Integer/int (a JSON number, or a string holding one)
 * - `stringMap`: Map<String, String> (a JSON object of scalars)
 * - `resources`: List<RsResource> (uma-rs: path, conditions[httpMethods, scopes, ticketScopes,
 *   scope_expression]; 4.x also iat, exp)
 */
import { MalformedParams } from './params.js';

export type ParamType = 'string' | 'strings' | 'boolean' | 'integer' | 'stringMap' | 'resources';

type Fields = Readonly<Record<string, ParamType>>;

/** oxd 3.1.4 RegisterSiteParams (SetupClientParams adds setup_client_name). */
const REGISTRATION_3: Fields = {
  op_host: 'string', op_discovery_path: 'string', authorization_redirect_uri: 'string',
  post_logout_redirect_uri: 'string', protection_access_token: 'string', redirect_uris: 'strings',
  response_types: 'strings', claims_redirect_uri: 'strings', client_id: 'string', client_secret: 'string',
  client_registration_access_token: 'string', client_registration_client_uri: 'string', client_name: 'string',
  client_jwks_uri: 'string', client_token_endpoint_auth_method: 'string',
  client_token_endpoint_auth_signing_alg: 'string', client_request_uris: 'strings',
  client_frontchannel_logout_uris: 'strings', client_sector_identifier_uri: 'string', scope: 'strings',
  ui_locales: 'strings', claims_locales: 'strings', acr_values: 'strings', grant_types: 'strings',
  contacts: 'strings', trusted_client: 'boolean', oxd_rp_programming_language: 'string',
};

/** oxd 4.2.0 UpdateSiteParams without oxd_id; RegisterSiteParams adds the op_* keys. */
const CLIENT_4: Fields = {
  post_logout_redirect_uris: 'strings', redirect_uris: 'strings', response_types: 'strings', client_id: 'string',
  client_secret: 'string', client_jwks_uri: 'string', client_sector_identifier_uri: 'string',
  client_token_endpoint_auth_method: 'string', client_request_uris: 'strings',
  client_frontchannel_logout_uris: 'strings', scope: 'strings', ui_locales: 'strings', claims_locales: 'strings',
  acr_values: 'strings', grant_types: 'strings', contacts: 'strings', access_token_as_jwt: 'boolean',
  access_token_signing_alg: 'string', rpt_as_jwt: 'boolean', claims_redirect_uri: 'strings',
  client_registration_access_token: 'string', client_registration_client_uri: 'string', client_name: 'string',
  client_token_endpoint_auth_signing_alg: 'string', logo_uri: 'string', client_uri: 'string', policy_uri: 'string',
  front_channel_logout_session_required: 'boolean', tos_uri: 'string', jwks: 'string',
  id_token_binding_cnf: 'string', tls_client_auth_subject_dn: 'string', subject_type: 'string',
  run_introspection_script_beforeaccess_token_as_jwt_creation_and_include_claims: 'boolean',
  id_token_signed_response_alg: 'string', id_token_encrypted_response_alg: 'string',
  id_token_encrypted_response_enc: 'string', user_info_signed_response_alg: 'string',
  user_info_encrypted_response_alg: 'string', user_info_encrypted_response_enc: 'string',
  request_object_signing_alg: 'string', request_object_encryption_alg: 'string',
  request_object_encryption_enc: 'string', default_max_age: 'integer', require_auth_time: 'boolean',
  initiate_login_uri: 'string', authorized_origins: 'strings', access_token_lifetime: 'integer',
  software_id: 'string', software_version: 'string', software_statement: 'string', custom_attributes: 'stringMap',
  sync_client_from_op: 'boolean', sync_client_period_in_seconds: 'integer', allow_spontaneous_scopes: 'boolean',
  spontaneous_scopes: 'strings',
};

export const PARAM_TYPES: Readonly<Record<3 | 4, Readonly<Record<string, Fields>>>> = {
  3: {
    setup_client: { ...REGISTRATION_3, setup_client_name: 'string' },
    get_client_token: {
      client_id: 'string', client_secret: 'string', op_host: 'string', op_discovery_path: 'string', scope: 'strings',
      authentication_method: 'string', algorithm: 'string', key_id: 'string',
    },
    introspect_access_token: { oxd_id: 'string', access_token: 'string', protection_access_token: 'string' },
    register_site: REGISTRATION_3,
    update_site: {
      oxd_id: 'string', authorization_redirect_uri: 'string', post_logout_redirect_uri: 'string',
      redirect_uris: 'strings', response_types: 'strings', client_id: 'string', client_secret: 'string',
      client_jwks_uri: 'string', client_sector_identifier_uri: 'string', client_token_endpoint_auth_method: 'string',
      client_request_uris: 'strings', client_logout_uris: 'strings', scope: 'strings', ui_locales: 'strings',
      claims_locales: 'strings', acr_values: 'strings', grant_types: 'strings', contacts: 'strings',
      protection_access_token: 'string',
    },
    remove_site: { oxd_id: 'string', protection_access_token: 'string' },
    get_authorization_url: {
      oxd_id: 'string', acr_values: 'strings', prompt: 'string', scope: 'strings', hd: 'string',
      protection_access_token: 'string', custom_parameters: 'stringMap',
    },
    get_tokens_by_code: { oxd_id: 'string', code: 'string', state: 'string', protection_access_token: 'string' },
    get_access_token_by_refresh_token: {
      oxd_id: 'string', refresh_token: 'string', scope: 'strings', protection_access_token: 'string',
    },
    get_user_info: { oxd_id: 'string', access_token: 'string', protection_access_token: 'string' },
    get_logout_uri: {
      oxd_id: 'string', id_token_hint: 'string', post_logout_redirect_uri: 'string', state: 'string',
      session_state: 'string', protection_access_token: 'string',
    },
    uma_rs_protect: { oxd_id: 'string', resources: 'resources', protection_access_token: 'string', overwrite: 'boolean' },
    uma_rs_check_access: {
      oxd_id: 'string', rpt: 'string', path: 'string', http_method: 'string', protection_access_token: 'string',
    },
    introspect_rpt: { oxd_id: 'string', rpt: 'string', protection_access_token: 'string' },
    uma_rp_get_rpt: {
      oxd_id: 'string', ticket: 'string', claim_token: 'string', claim_token_format: 'string', pct: 'string',
      rpt: 'string', scope: 'strings', state: 'string', protection_access_token: 'string',
    },
    uma_rp_get_claims_gathering_url: {
      oxd_id: 'string', ticket: 'string', claims_redirect_uri: 'string', protection_access_token: 'string',
    },
    get_rp: { oxd_id: 'string', list: 'boolean' },
  },
  4: {
    get_client_token: {
      client_id: 'string', client_secret: 'string', op_host: 'string', op_discovery_path: 'string',
      op_configuration_endpoint: 'string', scope: 'strings', authentication_method: 'string', algorithm: 'string',
      key_id: 'string',
    },
    introspect_access_token: { oxd_id: 'string', access_token: 'string' },
    register_site: { ...CLIENT_4, op_host: 'string', op_discovery_path: 'string', op_configuration_endpoint: 'string' },
    update_site: { oxd_id: 'string', ...CLIENT_4 },
    remove_site: { oxd_id: 'string' },
    get_authorization_url: {
      oxd_id: 'string', acr_values: 'strings', prompt: 'string', scope: 'strings', hd: 'string', state: 'string',
      nonce: 'string', custom_parameters: 'stringMap', params: 'stringMap', redirect_uri: 'string',
      response_types: 'strings',
    },
    get_tokens_by_code: { oxd_id: 'string', code: 'string', state: 'string' },
    get_access_token_by_refresh_token: { oxd_id: 'string', refresh_token: 'string', scope: 'strings' },
    get_user_info: { oxd_id: 'string', access_token: 'string', id_token: 'string' },
    get_logout_uri: {
      oxd_id: 'string', id_token_hint: 'string', post_logout_redirect_uri: 'string', state: 'string',
      session_state: 'string',
    },
    uma_rs_protect: { oxd_id: 'string', resources: 'resources', overwrite: 'boolean' },
    uma_rs_check_access: { oxd_id: 'string', rpt: 'string', path: 'string', http_method: 'string', scopes: 'strings' },
    introspect_rpt: { oxd_id: 'string', rpt: 'string' },
    uma_rp_get_rpt: {
      oxd_id: 'string', ticket: 'string', claim_token: 'string', claim_token_format: 'string', pct: 'string',
      rpt: 'string', scope: 'strings', state: 'string', params: 'stringMap',
    },
    uma_rp_get_claims_gathering_url: {
      oxd_id: 'string', ticket: 'string', claims_redirect_uri: 'string', state: 'string',
      custom_parameters: 'stringMap',
    },
    get_rp: { oxd_id: 'string', list: 'boolean' },
  },
};

function isScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a JSON value binds to the Java type, as Jackson's default deserializers decide. */
function binds(type: ParamType, v: unknown, gen: 3 | 4): boolean {
  switch (type) {
    case 'string':
      return isScalar(v);
    case 'strings':
      return Array.isArray(v) && v.every((item) => item === null || isScalar(item));
    case 'boolean':
      return typeof v === 'boolean' || v === 'true' || v === 'false' || Number.isInteger(v);
    case 'integer':
      return typeof v === 'number' || (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v));
    case 'stringMap':
      return isObject(v) && Object.values(v).every((item) => item === null || isScalar(item));
    case 'resources':
      return Array.isArray(v) && v.every((item) => item === null || bindsResource(item, gen));
  }
}

const RESOURCE_FIELDS: Readonly<Record<3 | 4, Fields>> = {
  3: { path: 'string' },
  4: { path: 'string', iat: 'integer', exp: 'integer' },
};
const CONDITION_FIELDS: Fields = { httpMethods: 'strings', scopes: 'strings', ticketScopes: 'strings' };

function bindsFields(fields: Fields, v: Readonly<Record<string, unknown>>, gen: 3 | 4): boolean {
  return Object.entries(fields).every(([name, type]) => v[name] === undefined || v[name] === null || binds(type, v[name], gen));
}

/** uma-rs RsResource and Condition; `scope_expression` is a JsonNode and takes any JSON. */
function bindsResource(v: unknown, gen: 3 | 4): boolean {
  if (!isObject(v) || !bindsFields(RESOURCE_FIELDS[gen], v, gen)) return false;
  const conditions = v['conditions'];
  if (conditions === undefined || conditions === null) return true;
  return Array.isArray(conditions) && conditions.every((c) => c === null || (isObject(c) && bindsFields(CONDITION_FIELDS, c, gen)));
}

/**
 * The command's params as oxd binds them: only the declared keys, each of its declared type.
 * Throws `MalformedParams` naming the first key that does not bind.
 */
export function bindParams(gen: 3 | 4, command: string, value: unknown): Record<string, unknown> {
  if (!isObject(value)) throw new MalformedParams('params must be a JSON object');
  const fields = PARAM_TYPES[gen][command.toLowerCase()] ?? {};
  const bound: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(fields)) {
    const v = value[name];
    if (v === undefined) continue;
    if (v !== null && !binds(type, v, gen)) throw new MalformedParams(`${name} cannot be read as ${JAVA_NAMES[type]}`);
    bound[name] = v;
  }
  return bound;
}

const JAVA_NAMES: Readonly<Record<ParamType, string>> = {
  string: 'String',
  strings: 'List<String>',
  boolean: 'Boolean',
  integer: 'Integer',
  stringMap: 'Map<String, String>',
  resources: 'List<RsResource>',
};
