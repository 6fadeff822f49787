import { OxdError } from '../errors.js';
import { failureOf } from './deadline.js';
import { errorCode, errorMessage } from '../../errors.js';
import { badResponse } from './server-error.js';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** An undici or network failure of one HTTP call to oxd, as the `OxdError` callers see. */
export function translateHttpError(err: unknown, signal: AbortSignal, command: string, origin: string): OxdError {
  if (signal.aborted) return failureOf(signal);
  const code = errorCode(err);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    const message = `oxd at ${origin} did not answer ${command} in time (${code})`;
    return new OxdError('oxd_timeout', message, { command, cause: err });
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return badResponse(command, 'a body larger than oxd ever sends', { cause: err });
  }
  return new OxdError('oxd_unreachable', `cannot reach oxd at ${origin} for ${command}: ${errorMessage(err)}`, {
    command,
    cause: err,
  });
}
