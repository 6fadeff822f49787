/**
 * The base of every error umagate throws: a stable `code` callers match on (never the message)
 * and the `cause` kept, as jose's `JOSEError` and undici's `UndiciError` do. Each failure domain
 * has its own subclass — `OxdError` (src/oxd), `PolicyError` (src/policy), the proxy's errors
 * (src/proxy/errors.ts), `PortInUseError` (src/sandbox) — and narrows `code` to its own union.
 *
 * Also here: the two helpers that read a foreign error (Node, undici, http-proxy) where it enters.
 */

export interface UmagateErrorOptions {
  readonly cause?: unknown;
}

export abstract class UmagateError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options: UmagateErrorOptions = {}) {
    // No `cause` key at all when there is none, so `'cause' in err` stays meaningful.
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** Any error of umagate's own, its `code` a string (`instanceof` alone would type it `any`). */
export function isUmagateError(err: unknown): err is UmagateError {
  return err instanceof UmagateError;
}

/** The string `code` of a foreign error (`ECONNREFUSED`, `UND_ERR_SOCKET`, `HPE_…`), if it has one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/** The message of anything thrown, for a log line or an error message. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** The foreign error's code when it means the peer was too slow (rather than absent), else undefined. */
export function timeoutCode(err: unknown): string | undefined {
  const code = errorCode(err);
  return code !== undefined && TIMEOUT_CODES.has(code) ? code : undefined;
}
