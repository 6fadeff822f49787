/**
 * pino JSON logs to stdout (or a stream the caller gives, e.g. a test capturing lines).
 * Tokens and tickets are never passed to the logger; the redaction list is a second fence
 * should a future log call pass a request or an oxd answer whole.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './options.js';

export type { Logger } from 'pino';

const REDACT = ['rpt', 'ticket', 'wwwAuthenticate', 'authorization', '*.authorization', 'headers.authorization', 'access_token'];

/**
 * stdout is written asynchronously in batches of at least this many bytes (about a dozen
 * request lines): under load, one write per batch instead of one per request, each of which is
 * a trip through libuv's thread pool. A line waits at most STDOUT_FLUSH_MS when traffic is low,
 * and pino writes whatever is left synchronously when the process exits.
 */
const STDOUT_MIN_WRITE_BYTES = 4096;
const STDOUT_FLUSH_MS = 100;

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'umagate' }, redact: { paths: REDACT, censor: '[redacted]' } };
  if (destination !== undefined) return pino(options, destination);
  return pino(options, batchedStdout());
}

function batchedStdout(): DestinationStream {
  // pino.destination registers the synchronous flush at exit for this stream.
  const stdout = pino.destination({ dest: 1, sync: false, minLength: STDOUT_MIN_WRITE_BYTES });
  let flushTimer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    flushTimer = null;
    stdout.flush();
  };
  return {
    write(line: string) {
      stdout.write(line);
      // One timer per quiet period, not per line; unref'd: the exit flush covers the rest.
      flushTimer ??= setTimeout(flush, STDOUT_FLUSH_MS).unref();
    },
  };
}
