/**
 * What both transports share: the deadline of one call, oxd's own error shape, the option check
 * and the warning for an insecure setting. Private to src/oxd/transport.
 */
import { OxdError } from '../errors.js';
import { isRecord } from '../../common/json.js';
import type { OxdLogger } from '../types.js';

/**
 * The time budget of one oxd call. Its signal aborts with the `OxdError` the call must fail
 * with: `oxd_timeout` when the time is up, or whatever `cancel` was given (e.g. the transport
 * closing), so every waiting point can reject with `failureOf(signal)` directly.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  cancel(reason: OxdError): void;
  clear(): void;
}

/**
 * Starts the budget of one call: `timeoutMs`, or less when the caller's own `signal` (e.g. the
 * proxy's per-call deadline) aborts first — then the socket or HTTP request in flight is
 * cancelled too, not merely abandoned.
 */
export function startDeadline(timeoutMs: number, command: string, signal?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onCallerAbort = (): void => {
    clear();
    controller.abort(callerAbort(signal?.reason, command));
  };
  const timer = setTimeout(() => {
    controller.abort(
      new OxdError('oxd_timeout', `oxd did not answer ${command} within ${timeoutMs} ms`, { command }),
    );
  }, timeoutMs);
  const clear = (): void => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
  };
  if (signal?.aborted === true) onCallerAbort();
  else signal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    cancel: (reason) => {
      clear();
      controller.abort(reason);
    },
    clear,
  };
}

/** The caller's abort reason as the call's failure: its own OxdError, else a timeout. */
function callerAbort(reason: unknown, command: string): OxdError {
  if (reason instanceof OxdError) return reason;
  return new OxdError('oxd_timeout', `${command} was cancelled: its caller's deadline passed`, { command, cause: reason });
}

/** The failure an aborted call's signal carries. */
export function failureOf(signal: AbortSignal): OxdError {
  const reason: unknown = signal.reason;
  return reason instanceof OxdError
    ? reason
    : new OxdError('oxd_timeout', 'the oxd call was aborted', { cause: reason });
}

interface ServerErrorContext {
  readonly command: string;
  readonly status?: number;
  /** Overrides the body's own `details` (HTTP bare bodies keep the whole body, e.g. need_info). */
  readonly details?: unknown;
}

/**
 * oxd's own error `{error, error_description, details}` as an `OxdError` carrying oxd's code,
 * or null when `body` is not shaped like one.
 */
export function serverError(body: unknown, context: ServerErrorContext): OxdError | null {
  if (!isRecord(body) || typeof body.error !== 'string' || body.error === '') return null;
  const description = typeof body.error_description === 'string' ? body.error_description : undefined;
  const details = 'details' in context ? context.details : body.details;
  const said = description === undefined ? '' : `: ${description}`;
  const message = `oxd answered ${context.command} with ${body.error}${said}`;
  return new OxdError(body.error, message, {
    command: context.command,
    details,
    ...(description === undefined ? {} : { description }),
    ...(context.status === undefined ? {} : { status: context.status }),
  });
}

export function badResponse(
  command: string,
  message: string,
  extra: { readonly status?: number; readonly cause?: unknown } = {},
): OxdError {
  return new OxdError('oxd_bad_response', `oxd answered ${command} with ${message}`, { command, ...extra });
}

/** Refuses a count or duration that is not a positive integer (e.g. `timeout_ms = 0`). */
export function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OxdError('config_invalid', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Reports a weakened security setting. Without a logger it still reaches stderr as a process
 * warning: an insecure switch must never be silent.
 */
export function warnInsecure(logger: OxdLogger | undefined, fields: object, message: string): void {
  if (logger === undefined) process.emitWarning(message, { code: 'UMAGATE_INSECURE_OXD' });
  else logger.warn(fields, message);
}
