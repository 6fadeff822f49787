/**
 * Puts an outcome on the wire: oxd 3.x's `{status,data}` envelope (nulls kept) for the socket and
 * the https-extension, bare bodies with HTTP statuses (nulls dropped) for oxd 4.x REST.
 */
import type { Failure } from './failures.js';
import { withoutNulls, type JsonObject, type JsonValue } from './json.js';
import type { Outcome } from './outcome.js';

export interface HttpReply {
  readonly status: number;
  readonly body: JsonValue;
}

function errorData(failure: Failure): JsonObject {
  return { error: failure.error, error_description: failure.description, details: failure.details };
}

export function envelope(outcome: Outcome): JsonObject {
  return outcome.ok ? { status: 'ok', data: outcome.data } : { status: 'error', data: errorData(outcome.failure) };
}

export function restReply(outcome: Outcome): HttpReply {
  if (outcome.ok) return { status: 200, body: withoutNulls(outcome.data) };
  const { failure } = outcome;
  return { status: failure.status, body: failure.passThroughBody ?? withoutNulls(errorData(failure)) };
}

/** The extension answers oxd errors with HTTP 200, except the AS's own HTTP errors (`http_status_<N>`). */
export function extensionReply(outcome: Outcome): HttpReply {
  if (!outcome.ok && outcome.failure.error.startsWith('http_status_') && outcome.failure.passThroughBody !== undefined) {
    return { status: outcome.failure.status, body: outcome.failure.passThroughBody };
  }
  return { status: 200, body: envelope(outcome) };
}
