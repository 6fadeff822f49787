import { UmagateError } from '../errors.js';

/**
 * Every failure of the oxd client is an `OxdError`. Callers match on `code`, never on the
 * message: oxd's own error code where oxd sent one, or one of ours for transport/config failures.
 */

/** Codes umagate itself produces (oxd's own codes pass through as sent). */
export type OxdLocalErrorCode =
  | 'oxd_unreachable'
  | 'oxd_timeout'
  | 'oxd_bad_response'
  | 'frame_too_large'
  | 'config_invalid'
  | 'config_not_writable';

/** Codes oxd-server sends that callers commonly branch on; any other string may arrive too. */
export type OxdServerErrorCode =
  | 'invalid_request'
  | 'uma_protection_exists'
  | 'need_info'
  | 'invalid_ticket'
  | 'http_method_not_unique'
  | 'invalid_oxd_id'
  | 'bad_request'
  | 'internal_error'
  | 'unsupported_operation'
  | 'invalid_protection_access_token'
  | 'inactive_protection_access_token'
  | 'blank_protection_access_token'
  | 'invalid_access_token'
  | 'inactive_access_token'
  | 'blank_access_token';

// `string & {}` keeps autocompletion for the known codes while admitting oxd's open set.
export type OxdErrorCode = OxdLocalErrorCode | OxdServerErrorCode | (string & {});

export interface OxdErrorOptions {
  readonly cause?: unknown;
  /** oxd's `error_description`, when oxd sent one. */
  readonly description?: string;
  /** oxd's `details`, when oxd sent them. */
  readonly details?: unknown;
  /** HTTP status of the oxd response (HTTP protocols only). */
  readonly status?: number;
  /** The oxd command that failed, e.g. `uma_rs_check_access`. */
  readonly command?: string;
}

export class OxdError extends UmagateError<OxdErrorCode> {
  override readonly name = 'OxdError';
  readonly description: string | undefined;
  readonly details: unknown;
  readonly status: number | undefined;
  readonly command: string | undefined;

  constructor(code: OxdErrorCode, message: string, options: OxdErrorOptions = {}) {
    super(code, message, options);
    this.description = options.description;
    this.details = options.details;
    this.status = options.status;
    this.command = options.command;
  }
}

/** True for failures that say nothing about oxd's answer: the call may be retried elsewhere. */
export function isOxdTransportError(err: unknown): err is OxdError {
  return (
    err instanceof OxdError &&
    (err.code === 'oxd_unreachable' || err.code === 'oxd_timeout' || err.code === 'oxd_bad_response')
  );
}
