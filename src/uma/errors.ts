import { UmagateError, type UmagateErrorOptions } from '../errors.js';

/**
 * Every failure of the UMA 2.0 client is a `UmaError`. Callers match on `code`, never on the
 * message; the message names the cause and the fix, and never carries a secret or a token.
 */

export type UmaErrorCode =
  /** The AS could not be reached (refused, reset, DNS), or the client was closed. */
  | 'as_unreachable'
  /** The AS did not answer within the deadline. */
  | 'as_timeout'
  /** The AS answered something the protocol does not allow (HTML, not JSON, a wrong shape, 5xx). */
  | 'as_bad_response'
  /** The client options are unusable (no issuer, bad URL, plain http off loopback, CA file). */
  | 'config_invalid'
  /** A method was called with arguments the protocol does not allow. */
  | 'invalid_argument'
  /** The discovery document lacks an endpoint the caller needs, or names another issuer. */
  | 'discovery_invalid'
  /** The discovery document is UMA 1.0 (`uma-configuration`, `rpt_endpoint`), another protocol. */
  | 'uma1_discovery'
  /** The token endpoint refused the client id or secret. */
  | 'invalid_client'
  /** The client may not hold a PAT: it lacks `uma_protection` (Janssen scope, Keycloak role). */
  | 'uma_protection_missing'
  /** Keycloak: the client has no Authorization enabled, so it is no resource server. */
  | 'not_resource_server'
  /** The token endpoint refused the PAT for another reason (e.g. client credentials grant off). */
  | 'pat_refused'
  /** Keycloak: "Remote Resource Management" is off for the client. */
  | 'remote_resource_management_disabled'
  /** The resource id is not registered (any more): registration drift. */
  | 'invalid_resource_id'
  /** A scope is not registered for the resource (or requested one the AS refuses). */
  | 'invalid_scope'
  /** Keycloak 409: a resource with this name already exists; look it up and adopt it. */
  | 'resource_conflict'
  /** The AS refused a resource description (400 invalid_request and the like). */
  | 'resource_refused'
  /** The permission endpoint refused the request for another reason. */
  | 'permission_refused'
  /** The uma-ticket grant refused the ticket: unknown, expired or used (`invalid_grant`). */
  | 'invalid_ticket'
  /** The AS answered a protocol error this client has no better code for. */
  | 'as_error';

/** The AS endpoint a failure concerns, for logs and metrics. */
export type UmaEndpoint =
  | 'discovery'
  | 'token'
  | 'resource_registration'
  | 'permission'
  | 'introspection'
  | 'jwks';

export interface UmaErrorOptions extends UmagateErrorOptions {
  readonly endpoint?: UmaEndpoint;
  /** HTTP status of the AS answer, when there was one. */
  readonly status?: number;
  /** The AS's own `error` code, when it sent one. */
  readonly asError?: string;
  /** The AS's `error_description`, when it sent one. */
  readonly description?: string;
}

export class UmaError extends UmagateError<UmaErrorCode> {
  override readonly name = 'UmaError';
  readonly endpoint: UmaEndpoint | undefined;
  readonly status: number | undefined;
  readonly asError: string | undefined;
  readonly description: string | undefined;

  constructor(code: UmaErrorCode, message: string, options: UmaErrorOptions = {}) {
    super(code, message, options);
    this.endpoint = options.endpoint;
    this.status = options.status;
    this.asError = options.asError;
    this.description = options.description;
  }
}

/**
 * True for failures that say nothing about the AS's answer to the request (it could not be
 * reached, was too slow, or answered garbage): what a circuit breaker counts.
 */
export function isUmaTransportError(err: unknown): err is UmaError {
  return (
    err instanceof UmaError &&
    (err.code === 'as_unreachable' || err.code === 'as_timeout' || err.code === 'as_bad_response')
  );
}
