import { OxdError } from '../errors.js';
import { failureOf } from './deadline.js';
import { errorCode, errorMessage, timeoutCode } from '../../errors.js';
import { badResponse } from './server-error.js';

/** An undici or network failure of one HTTP call to oxd, as the `OxdError` callers see. */
export function translateHttpError(err: unknown, signal: AbortSignal, command: string, origin: string): OxdError {
  if (signal.aborted) return failureOf(signal);
  const timeout = timeoutCode(err);
  if (timeout !== undefined) {
    const message = `oxd at ${origin} did not answer ${command} in time (${timeout})`;
    return new OxdError('oxd_timeout', message, { command, cause: err });
  }
  if (errorCode(err) === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return badResponse(command, 'a body larger than oxd ever sends', { cause: err });
  }
  return new OxdError('oxd_unreachable', `cannot reach oxd at ${origin} for ${command}: ${errorMessage(err)}`, {
    command,
    cause: err,
  });
}
