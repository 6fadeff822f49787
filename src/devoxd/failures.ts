/**
 * oxd's error vocabulary, per protocol generation: the code, the description text and the HTTP
 * status oxd 4.x attaches to it (oxd `ErrorResponseCode`). Handlers return these values; the
 * transports decide how to put them on the wire.
 */
import type { JsonObject, JsonValue } from './json.js';

/** 3 = oxd 3.1.x (socket, https-extension); 4 = oxd 4.x REST. */
export type OxdGeneration = 3 | 4;

export interface Failure {
  readonly error: string;
  readonly description: string;
  /** HTTP status oxd 4.x answers with. */
  readonly status: number;
  readonly details: JsonValue;
  /**
   * A body oxd sends instead of its own `{error, error_description}`: the authorization server's
   * answer passed through (`http_status_<N>` on 3.x), or the unwrapped 4.x need_info.
   */
  readonly passThroughBody?: JsonObject;
  /** oxd 3.x closes the socket after its generic internal error. */
  readonly closesConnection?: boolean;
  /** The parameters could not be bound; the HTTP servers answer 400 `Invalid parameters. Message: …`. */
  readonly malformed?: string;
}

function failure(error: string, description: string, status: number, details: JsonValue = null): Failure {
  return { error, description, status, details };
}

const TOKEN_HINT =
  'Command is protected by {t}, please provide valid token or otherwise switch off protection in configuration with protect_commands_with_access_token=false';

/** Sent by oxd 3.x as the one response after which it closes the connection. */
export const GENERIC_INTERNAL_ERROR: Failure = {
  ...failure('internal_error', 'Unknown internal server error occurs.', 500),
  closesConnection: true,
};

export function malformedParams(gen: OxdGeneration, message: string): Failure {
  // 3.x names it internal_error; 4.x re-labelled the same text bad_request.
  const code = gen === 3 ? 'internal_error' : 'bad_request';
  return { ...failure(code, 'Command parameters are not specified or otherwise malformed.', 400), malformed: message };
}

export const UNSUPPORTED_OPERATION = failure('unsupported_operation', 'Operation is not supported by server error.', 500);
export const NO_OXD_ID = failure('bad_request', 'oxd_id is empty or not specified or is otherwise invalid (not registered).', 400);
export const INVALID_OXD_ID = failure(
  'invalid_oxd_id',
  'Invalid oxd_id. Unable to find the site for oxd_id. It does not exist or has been removed from the server. Please use the register_site command to register a site.',
  400,
);
export const INVALID_OP_HOST = failure('invalid_op_host', 'Invalid op_host (empty or blank).', 400);
export const INVALID_REDIRECT_URI_3 = failure('invalid_authorization_redirect_uri', 'Invalid authorization_redirect_uri (empty or blank).', 400);
export const INVALID_REDIRECT_URI_4 = failure('invalid_redirect_uri', 'Invalid redirect_uri (empty, blank or invalid).', 400);
export const CLIENT_SECRET_REQUIRED = failure(
  'invalid_client_secret',
  'client_secret is required parameter in request (skip client_id if you wish to dynamically register client.).',
  400,
);
export const CLIENT_ID_REQUIRED = failure(
  'invalid_client_id',
  'client_id is required parameter in request (skip client_secret if you wish to dynamically register client.).',
  400,
);
export const NO_CODE = failure('bad_request', "'code' is empty or not specified.", 400);
export const NO_STATE = failure('bad_request', "'state' is empty or not specified.", 400);
export const STATE_NOT_VALID = failure('bad_request', "'state' is not registered.", 400);
export const INVALID_CODE = failure('bad_request', "'code' is invalid.", 400);
export const INVALID_NONCE = failure('invalid_nonce', 'Nonce value is not registered by oxd.', 400);
export const NO_REFRESH_TOKEN = failure('bad_request', "'refresh token' is empty or not specified.", 400);
export const NO_UMA_RESOURCES = failure(
  'invalid_uma_request',
  'Resources list to protect is empty or blank. Please check it according to protocol definition at https://gluu.org/docs/oxd',
  400,
);
export const NO_HTTP_METHOD = failure(
  'invalid_http_method',
  'http_method is not specified or otherwise not GET or POST or PUT or DELETE. Please check it according to protocol definition at https://gluu.org/docs/oxd',
  400,
);
export const NO_PATH = failure('invalid_path_parameter', 'path parameter is not specified or otherwise not valid', 400);
export const NO_TICKET = failure('invalid_ticket_parameter', 'ticket parameter is not specified or otherwise is not valid', 400);
export const NO_RPT = failure('invalid_rpt_parameter', 'rpt parameter is not specified or otherwise is not valid', 400);
export const NO_CLAIMS_REDIRECT_URI = failure(
  'invalid_claims_redirect_uri_parameter',
  'claims_redirect_uri parameter is not specified or otherwise is not valid',
  400,
);
export const INVALID_CLAIM_TOKEN = failure('invalid_claim_token_or_claim_token_form', 'Claim token or claim token format is invalid.', 400);
export const METHOD_NOT_UNIQUE = failure(
  'http_method_not_unique',
  'HTTP method defined in JSON must be unique within given PATH (but occurs more then one time).',
  400,
);
export const PROTECTION_EXISTS = failure(
  'uma_protection_exists',
  'Server already has UMA Resources registered for this oxd_id. It is possible to overwrite it if provide overwrite=true for uma_rs_protect command (existing resources will be removed and new UMA Resources added).',
  400,
);
const NEED_INFO_DESCRIPTION =
  'The authorization server needs additional information in order to determine whether the client is authorized to have these permissions.';
const INVALID_TICKET_DESCRIPTION = 'Ticket is not valid (outdated or not present on Authorization Server).';

export function invalidScopeExpression(gen: OxdGeneration): Failure {
  // 3.x really spells the code with a typo.
  return failure(
    gen === 3 ? 'invalid_scope_expressioin' : 'invalid_scope_expression',
    'The scope expression is invalid. Please check the documentation and make sure it is a valid JsonLogic expression.',
    400,
  );
}

export function notProtected(path: string, method: string): Failure {
  return failure(
    'invalid_request',
    `Resource is not protected with path: ${path} and httpMethod: ${method}. Please protect your resource first with uma_rs_protect command. Check details on https://gluu.org/docs/oxd`,
    400,
  );
}

export type TokenProblem = 'blank' | 'invalid' | 'inactive' | 'insufficient_scope' | 'no_setup_client';

/** Protection-token failures: `protection_access_token` names on 3.x, `access_token` ones on 4.x. */
export function tokenFailure(gen: OxdGeneration, problem: TokenProblem): Failure {
  const subject = gen === 3 ? 'protection_access_token' : 'access_token';
  const hint = TOKEN_HINT.replace('{t}', subject);
  switch (problem) {
    case 'blank':
      return failure(`blank_${subject}`, `${subject} is blank. ${hint}`, 403);
    case 'invalid':
      return failure(`invalid_${subject}`, `Invalid ${subject}. ${hint}`, 403);
    case 'inactive':
      return failure(`inactive_${subject}`, `Inactive ${subject}. ${hint}`, 403);
    case 'insufficient_scope':
      return failure(
        `${subject}_insufficient_scope`,
        `${subject} does not have \`oxd\` scope. Make sure a) scope exists on AS b) register_site is registered with 'oxd' scope c) get_client_token has 'oxd' scope in request`,
        403,
      );
    case 'no_setup_client':
      return failure('no_setup_client_for_oxd_id', 'There is no setup client for given oxd_id. Please register the site with a protection_access_token obtained for the setup client.', 403);
  }
}

/**
 * The authorization server answered an HTTP error: 3.x reports `http_status_<N>` with the AS body
 * as text, the https-extension and 4.x answer status N with that body.
 */
export function asError(status: number, body: JsonObject): Failure {
  return { error: `http_status_${status}`, description: JSON.stringify(body), status, details: null, passThroughBody: body };
}

export function needInfo(gen: OxdGeneration, details: JsonObject): Failure {
  const base = failure('need_info', NEED_INFO_DESCRIPTION, 403, details);
  return gen === 3 ? base : { ...base, passThroughBody: details };
}

export function invalidTicket(gen: OxdGeneration): Failure {
  const base = failure('invalid_ticket', INVALID_TICKET_DESCRIPTION, 400);
  return gen === 3 ? base : { ...base, passThroughBody: { error: 'invalid_ticket', error_description: INVALID_TICKET_DESCRIPTION } };
}

/** A fault rule of kind `error`. */
export function injectedFailure(code: string, description: string | undefined, status: number | undefined): Failure {
  return failure(code, description ?? 'Fault injected by the dev oxd.', status ?? 500);
}
