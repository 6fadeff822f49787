import { isRecord } from '../../common/json.js';
import { stringifyAscii } from '../json.js';
import { badResponse, serverError } from './server-error.js';
import type { OxdError } from '../errors.js';

/** The socket request envelope; the protection token travels inside params. */
export function encodeRequest(
  command: string,
  params: Readonly<Record<string, unknown>>,
  token: string | null,
): string {
  const withToken = token === null ? params : { ...params, protection_access_token: token };
  return stringifyAscii({ command, params: withToken });
}

export type SocketReply =
  | { readonly kind: 'ok'; readonly data: unknown }
  | { readonly kind: 'error'; readonly error: OxdError };

/** `{"status":"ok","data":…}` → data; `{"status":"error","data":{error,…}}` → oxd's error. */
export function decodeReply(json: string, command: string): SocketReply {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (err) {
    return { kind: 'error', error: badResponse(command, 'a frame that is not JSON', { cause: err }) };
  }
  if (isRecord(body) && body.status === 'ok' && 'data' in body) return { kind: 'ok', data: body.data };
  if (isRecord(body) && body.status === 'error') {
    const error = serverError(body.data, { command });
    if (error !== null) return { kind: 'error', error };
  }
  return { kind: 'error', error: badResponse(command, 'JSON that is not an oxd {status,data} envelope') };
}
