import { UmagateError, type UmagateErrorOptions } from '../errors.js';

/**
 * The proxy's own failure domains. Each class has a stable `code`; callers switch on it, and
 * src/proxy/respond.ts alone turns a code into an HTTP status and body.
 */

/** One problem in the serve options (flag, env or default), with the flag it concerns. */
export interface OptionProblem {
  readonly option: string;
  readonly message: string;
}

/** The serve options are invalid; every problem is listed so the operator fixes them at once. */
export class OptionsError extends UmagateError<'options_invalid'> {
  override readonly name = 'OptionsError';
  readonly problems: readonly OptionProblem[];

  constructor(problems: readonly OptionProblem[]) {
    super('options_invalid', `invalid configuration:\n${problems.map((p) => `  ${p.option}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Why an authorization decision could not be obtained from oxd. */
export type UnavailableReason =
  | 'not_registered'
  | 'breaker_open'
  | 'oxd_unreachable'
  | 'oxd_timeout'
  | 'oxd_bad_response'
  | 'oxd_error'
  | 'registration_drift';

/**
 * oxd could not give an answer we may act on. Always fails closed: the request is answered 503
 * and never forwarded.
 */
export class AuthorizationUnavailableError extends UmagateError<'authorization_unavailable'> {
  override readonly name = 'AuthorizationUnavailableError';
  readonly reason: UnavailableReason;

  constructor(reason: UnavailableReason, message: string, options?: UmagateErrorOptions) {
    super('authorization_unavailable', message, options);
    this.reason = reason;
  }
}

/** Why a request's oxd call was not made: its client's bound, or its lane's full queue. */
export type ShedReason = 'client_limit' | 'queue_full';

/**
 * oxd has no capacity for this request now (oxd-capacity.ts). Answered 429 with Retry-After;
 * never an oxd failure, so the circuit breaker does not count it.
 */
export class OxdCapacityError extends Error {
  override readonly name = 'OxdCapacityError';
  readonly code = 'too_many_requests';
  readonly reason: ShedReason;
  readonly retryAfterSeconds: number;

  constructor(reason: ShedReason, retryAfterSeconds: number) {
    super(reason === 'client_limit' ? 'this client has too many requests waiting for an authorization decision' : 'too many requests are waiting for an authorization decision');
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export type UpstreamErrorCode = 'upstream_unreachable' | 'upstream_timeout';

/** The backend could not be reached or did not answer in time (translated once, in forward.ts). */
export class UpstreamError extends UmagateError<UpstreamErrorCode> {
  override readonly name = 'UpstreamError';
}
