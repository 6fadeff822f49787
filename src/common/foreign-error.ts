/** The `code` of a Node.js or undici error (`ECONNREFUSED`, `UND_ERR_SOCKET`, …), if any. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

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
