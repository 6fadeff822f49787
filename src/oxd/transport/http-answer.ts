import { OxdError } from '../errors.js';
import { isRecord } from '../../common/json.js';
import { badResponse, serverError } from './server-error.js';

/**
 * What an oxd HTTP answer means. Both protocols are read the same way, because deployments mix
 * them: the https-extension wraps bodies in `{status,data}` and mostly answers 200, oxd 4.x
 * sends bare bodies with meaningful HTTP statuses.
 */
export type HttpAnswer =
  | { readonly kind: 'ok'; readonly data: unknown }
  | { readonly kind: 'error'; readonly error: OxdError };

const TEXT_EXCERPT_CHARS = 200;

export function interpretHttpAnswer(status: number, text: string, command: string): HttpAnswer {
  const parsed = parseJson(text);
  if (parsed.kind === 'text') return failure(textError(status, text, command));
  return jsonAnswer(status, parsed.value, command);
}

function jsonAnswer(status: number, body: unknown, command: string): HttpAnswer {
  const success = status >= 200 && status < 300;
  const unexpected = (what: string): HttpAnswer =>
    failure(badResponse(command, `HTTP ${status} and ${what}`, { status }));
  if (!isRecord(body)) return unexpected('a JSON body that is not an object');
  if (body.status === 'error') {
    const error = serverError(body.data, { command, status });
    return error === null ? unexpected('an error envelope without an error code') : failure(error);
  }
  if (body.status === 'ok' && 'data' in body) {
    return success ? { kind: 'ok', data: body.data } : unexpected('a success envelope');
  }
  if (success) return { kind: 'ok', data: body };
  // oxd 4.x bare errors: need_info keeps its ticket, required_claims and redirect_user at the top level.
  const error = serverError(body, { command, status, details: body.details ?? body });
  return error === null ? unexpected('a JSON body without an error code') : failure(error);
}

function textError(status: number, text: string, command: string): OxdError {
  const trimmed = text.trim();
  if (trimmed === '' && status === 403) {
    // oxd 4.0/4.1 answer a missing or blank token with an empty 403.
    const message = `oxd refused ${command}: HTTP 403 with no body (protection access token missing or blank)`;
    return new OxdError('blank_access_token', message, { command, status });
  }
  if (status === 500 && /^Command (client is not able to connect|response is null)/.test(trimmed)) {
    // The https-extension got no answer from the oxd-server behind it.
    return new OxdError('oxd_unreachable', `oxd could not run ${command}: ${trimmed}`, {
      command,
      status,
      description: trimmed,
    });
  }
  if (status === 400 && trimmed.startsWith('Invalid parameters')) {
    return new OxdError('bad_request', `oxd rejected the ${command} parameters: ${trimmed}`, {
      command,
      status,
      description: trimmed,
    });
  }
  const excerpt = trimmed.length > TEXT_EXCERPT_CHARS ? `${trimmed.slice(0, TEXT_EXCERPT_CHARS)}…` : trimmed;
  return badResponse(command, `HTTP ${status} and a body that is not JSON: ${JSON.stringify(excerpt)}`, { status });
}

function failure(error: OxdError): HttpAnswer {
  return { kind: 'error', error };
}

type Parsed = { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'text' };

function parseJson(text: string): Parsed {
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'text' };
  }
}
