import { OxdError } from '../errors.js';

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

export function startDeadline(timeoutMs: number, command: string): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new OxdError('oxd_timeout', `oxd did not answer ${command} within ${timeoutMs} ms`, { command }),
    );
  }, timeoutMs);
  return {
    signal: controller.signal,
    cancel: (reason) => {
      clearTimeout(timer);
      controller.abort(reason);
    },
    clear: () => {
      clearTimeout(timer);
    },
  };
}

/** The failure an aborted call's signal carries. */
export function failureOf(signal: AbortSignal): OxdError {
  const reason: unknown = signal.reason;
  return reason instanceof OxdError
    ? reason
    : new OxdError('oxd_timeout', 'the oxd call was aborted', { cause: reason });
}
