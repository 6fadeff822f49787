/**
 * Every call to the AS goes through here: one keep-alive undici Agent (endpoints may sit on
 * several origins), a deadline per call, and undici/network failures translated once into
 * `UmaError`s.
 */
import { Agent } from 'undici';
import { errorCode, errorMessage, timeoutCode } from '../errors.js';
import { packageVersion } from '../version.js';
import { UmaError, type UmaEndpoint } from './errors.js';

/** No UMA answer comes near this; anything larger is refused rather than buffered. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface AsRequest {
  readonly endpoint: UmaEndpoint;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON value (sent as application/json) or form fields (application/x-www-form-urlencoded). */
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, string>>;
}

export interface AsAnswer {
  readonly endpoint: UmaEndpoint;
  readonly url: URL;
  readonly status: number;
  readonly contentType: string;
  readonly location: string | undefined;
  readonly text: string;
}

export interface AsHttpOptions {
  readonly timeoutMs: number;
  readonly ca?: readonly string[];
  readonly rejectUnauthorized: boolean;
}

export class AsHttp {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #userAgent = `umagate/${packageVersion()}`;
  #closed = false;

  constructor(options: AsHttpOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#agent = new Agent({
      connect: {
        timeout: options.timeoutMs,
        rejectUnauthorized: options.rejectUnauthorized,
        ...(options.ca === undefined ? {} : { ca: [...options.ca] }),
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxResponseSize: MAX_RESPONSE_BYTES,
    });
  }

  async request(request: AsRequest, signal?: AbortSignal): Promise<AsAnswer> {
    if (this.#closed) throw new UmaError('as_unreachable', 'the UMA client was closed', { endpoint: request.endpoint });
    const deadline = startDeadline(this.#timeoutMs, request, signal);
    try {
      const response = await this.#agent.request({
        origin: request.url.origin,
        path: request.url.pathname + request.url.search,
        method: request.method,
        headers: { ...headersFor(request), 'user-agent': this.#userAgent, ...request.headers },
        body: bodyOf(request),
        signal: deadline.signal,
      });
      const text = await response.body.text();
      return {
        endpoint: request.endpoint,
        url: request.url,
        status: response.statusCode,
        contentType: headerValue(response.headers['content-type']) ?? '',
        location: headerValue(response.headers.location),
        text,
      };
    } catch (err) {
      throw translate(err, deadline.signal, request);
    } finally {
      deadline.clear();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#agent.destroy();
  }
}

function headersFor(request: AsRequest): Record<string, string> {
  const accept = { accept: 'application/json' };
  if (request.form !== undefined) return { ...accept, 'content-type': 'application/x-www-form-urlencoded' };
  if (request.json !== undefined) return { ...accept, 'content-type': 'application/json' };
  return accept;
}

function bodyOf(request: AsRequest): string | null {
  if (request.form !== undefined) return new URLSearchParams(request.form).toString();
  if (request.json !== undefined) return JSON.stringify(request.json);
  return null;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

interface Deadline {
  readonly signal: AbortSignal;
  clear(): void;
}

/** The call's budget; its signal aborts with the `UmaError` the call fails with. */
function startDeadline(timeoutMs: number, request: AsRequest, outer: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    const message = `the AS did not answer the ${request.endpoint} call to ${request.url.origin} within ${timeoutMs} ms`;
    controller.abort(new UmaError('as_timeout', message, { endpoint: request.endpoint }));
  }, timeoutMs);
  const onAbort = (): void => {
    controller.abort(new UmaError('as_timeout', `the ${request.endpoint} call was aborted`, { endpoint: request.endpoint, cause: outer?.reason }));
  };
  if (outer?.aborted === true) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}

function translate(err: unknown, signal: AbortSignal, request: AsRequest): UmaError {
  const { endpoint } = request;
  const origin = request.url.origin;
  if (signal.aborted && signal.reason instanceof UmaError) return signal.reason;
  const timeout = timeoutCode(err);
  if (timeout !== undefined) {
    return new UmaError('as_timeout', `the AS at ${origin} did not answer the ${endpoint} call in time (${timeout})`, { endpoint, cause: err });
  }
  if (errorCode(err) === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return new UmaError('as_bad_response', `the AS at ${origin} answered the ${endpoint} call with a body over ${MAX_RESPONSE_BYTES} bytes`, {
      endpoint,
      cause: err,
    });
  }
  return new UmaError('as_unreachable', `cannot reach the AS at ${origin} for the ${endpoint} call: ${errorMessage(err)}`, {
    endpoint,
    cause: err,
  });
}
