/**
 * oxd over HTTP (the 3.1.x https-extension and oxd 4.x REST): the request, what its answer
 * means, and how a failed request is reported. Base URL and TLS checks: http-config.ts.
 */
import { Pool } from 'undici';
import { errorCode, errorMessage, timeoutCode } from '../../errors.js';
import { packageVersion } from '../../version.js';
import { OxdError } from '../errors.js';
import { isRecord } from '../../common/json.js';
import { badResponse, failureOf, requirePositiveInteger, serverError, startDeadline } from './common.js';
import { parseBaseUrl, tlsSettings } from './http-config.js';
import type { HttpTransportOptions, OxdTransport } from './types.js';

/** No oxd answer comes near this; anything larger is refused rather than buffered. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The https-extension forwards these without asking for a token (they are how one gets one). */
const EXTENSION_UNPROTECTED = new Set(['setup_client', 'get_client_token']);

interface HttpAnswerText {
  readonly status: number;
  readonly text: string;
}

/**
 * oxd over HTTP: the 3.1.x https-extension or oxd 4.x REST. Each command is a POST of its
 * params to `baseUrl + command-with-dashes`, over a keep-alive pool.
 */
export function createHttpTransport(options: HttpTransportOptions): OxdTransport {
  const timeoutMs = requirePositiveInteger('timeoutMs', options.timeoutMs);
  const base = parseBaseUrl(options.baseUrl, options.logger);
  const pool = new Pool(base.origin, {
    connect: { ...tlsSettings(options), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    maxResponseSize: MAX_RESPONSE_BYTES,
  });
  const userAgent = `umagate/${packageVersion()}`;
  let closed = false;

  async function post(command: string, body: string, token: string | null, signal: AbortSignal | undefined): Promise<HttpAnswerText> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': userAgent,
    };
    if (token !== null && !(options.protocol === 'https-extension' && EXTENSION_UNPROTECTED.has(command))) {
      headers.authorization = `Bearer ${token}`;
    }
    const path = base.pathname + command.replaceAll('_', '-');
    const deadline = startDeadline(timeoutMs, command, signal);
    try {
      const response = await pool.request({ method: 'POST', path, headers, body, signal: deadline.signal });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (err) {
      throw translateHttpError(err, deadline.signal, command, base.origin);
    } finally {
      deadline.clear();
    }
  }

  return {
    protocol: options.protocol,
    async send(command, params, token, signal) {
      if (closed) throw new OxdError('oxd_unreachable', 'the oxd transport was closed', { command });
      const { status, text } = await post(command, JSON.stringify(params), token, signal);
      const answer = interpretHttpAnswer(status, text, command);
      if (answer.kind === 'ok') return answer.data;
      throw answer.error;
    },
    async close() {
      closed = true;
      await pool.destroy();
    },
  };
}

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
