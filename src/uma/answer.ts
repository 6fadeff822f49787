/**
 * Reading AS answers: JSON bodies, the OAuth error body `{error, error_description}` (FEDZ §6,
 * RFC 6749 §5.2), and the one message for an answer the protocol does not allow.
 */
import { isRecord } from '../common/json.js';
import { UmaError } from './errors.js';
import type { AsAnswer } from './http.js';

const EXCERPT_CHARS = 120;

export interface AsErrorBody {
  readonly error: string;
  readonly description: string | undefined;
}

/** The parsed JSON body, or undefined when the body is empty or not JSON. */
export function jsonBody(answer: AsAnswer): unknown {
  if (answer.text.trim() === '') return undefined;
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    return undefined;
  }
}

/** The OAuth error body, when the answer carries one. */
export function errorBody(answer: AsAnswer): AsErrorBody | undefined {
  const body = jsonBody(answer);
  if (!isRecord(body) || typeof body.error !== 'string' || body.error === '') return undefined;
  return { error: body.error, description: typeof body.error_description === 'string' ? body.error_description : undefined };
}

/** How an AS error reads in a message: `invalid_scope ("Requires uma_protection scope.")`. */
export function describeError(body: AsErrorBody | undefined, answer: AsAnswer): string {
  if (body === undefined) return `HTTP ${answer.status}`;
  const said = body.description === undefined ? '' : ` (${JSON.stringify(body.description)})`;
  return `HTTP ${answer.status} ${body.error}${said}`;
}

/** The `UmaError` options carrying what the AS said. */
export function asDetails(answer: AsAnswer, body: AsErrorBody | undefined = errorBody(answer)) {
  return {
    endpoint: answer.endpoint,
    status: answer.status,
    ...(body === undefined ? {} : { asError: body.error }),
    ...(body?.description === undefined ? {} : { description: body.description }),
  };
}

/**
 * An answer the protocol does not allow at this point: HTML (a login page, a proxy's error page,
 * the wrong path), text, a server error, or JSON of the wrong shape (`what` says what was wanted).
 */
export function badAnswer(answer: AsAnswer, what: string): UmaError {
  const where = `${answer.url.origin}${answer.url.pathname}`;
  const details = asDetails(answer);
  if (isHtml(answer)) {
    return new UmaError(
      'as_bad_response',
      `the AS answered ${what} with an HTML page (HTTP ${answer.status}), not JSON, at ${where}: check that this URL is the AS's UMA 2.0 endpoint (a login or error page answers HTML)`,
      details,
    );
  }
  if (answer.status >= 500) {
    return new UmaError('as_bad_response', `the AS failed ${what} with ${describeError(errorBody(answer), answer)} at ${where}`, details);
  }
  const body = jsonBody(answer);
  if (body === undefined && answer.text.trim() !== '') {
    return new UmaError('as_bad_response', `the AS answered ${what} with HTTP ${answer.status} and a body that is not JSON (${excerpt(answer.text)}) at ${where}`, details);
  }
  return new UmaError('as_bad_response', `the AS answered ${what} with ${describeError(errorBody(answer), answer)} at ${where}, not ${what}`, details);
}

function isHtml(answer: AsAnswer): boolean {
  return answer.contentType.toLowerCase().startsWith('text/html') || /^\s*<(!doctype|html)/i.test(answer.text);
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  return JSON.stringify(trimmed.length > EXCERPT_CHARS ? `${trimmed.slice(0, EXCERPT_CHARS)}…` : trimmed);
}

/** Strings of a JSON array, or undefined when `value` is not an array of strings. */
export function stringArray(value: unknown): readonly string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
