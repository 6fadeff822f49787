/**
 * pino JSON logs to stdout (or a stream the caller gives, e.g. a test capturing lines).
 * Tokens and tickets are never passed to the logger; the redaction list is a second fence
 * should a future log call pass a request or an oxd answer whole.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './options.js';

export type { Logger } from 'pino';

const REDACT = ['rpt', 'ticket', 'wwwAuthenticate', 'authorization', '*.authorization', 'headers.authorization', 'access_token'];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'umagate' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
