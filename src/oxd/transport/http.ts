import { Pool } from 'undici';
import { packageVersion } from '../../version.js';
import { OxdError } from '../errors.js';
import { startDeadline } from './deadline.js';
import { interpretHttpAnswer } from './http-answer.js';
import { parseBaseUrl } from './http-endpoint.js';
import { translateHttpError } from './http-errors.js';
import { tlsSettings } from './http-tls.js';
import { requirePositiveInteger } from './options.js';
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

  async function post(command: string, body: string, token: string | null): Promise<HttpAnswerText> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': userAgent,
    };
    if (token !== null && !(options.protocol === 'https-extension' && EXTENSION_UNPROTECTED.has(command))) {
      headers.authorization = `Bearer ${token}`;
    }
    const path = base.pathname + command.replaceAll('_', '-');
    const deadline = startDeadline(timeoutMs, command);
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
    async send(command, params, token) {
      if (closed) throw new OxdError('oxd_unreachable', 'the oxd transport was closed', { command });
      const { status, text } = await post(command, JSON.stringify(params), token);
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
