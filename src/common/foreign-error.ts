import { errorCode } from '../errors.js';

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** The error's code when it means the peer was too slow (rather than absent), else undefined. */
export function timeoutCode(err: unknown): string | undefined {
  const code = errorCode(err);
  return code !== undefined && TIMEOUT_CODES.has(code) ? code : undefined;
}
