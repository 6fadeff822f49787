/**
 * pino JSON logs to stdout (or a stream the caller gives, e.g. a test capturing lines).
 * Tokens and tickets are never passed to the logger; the redaction list is a second fence
 * should a future log call pass a request or an oxd answer whole.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './options.js';

export type { Logger } from 'pino';

export const REDACTED_PATHS: readonly string[] = ['rpt', 'ticket', 'wwwAuthenticate', 'authorization', '*.authorization', 'headers.authorization', 'access_token'];

/**
 * stdout is written asynchronously in batches of at least this many bytes (about a dozen
 * request lines): under load, one write per batch instead of one per request, each of which is
 * a trip through libuv's thread pool. A line waits at most STDOUT_FLUSH_MS when traffic is low,
 * and pino writes whatever is left synchronously when the process exits.
 */
const STDOUT_MIN_WRITE_BYTES = 4096;
const STDOUT_FLUSH_MS = 100;

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'umagate' }, redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' } };
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

/**
 * The per-request decision log line: flat, every value a string, number, boolean or null, and no
 * key named like a credential. pino's redaction matches keys, so it can change nothing in such a
 * line (test/proxy/decision-log.test.ts keeps the keys and REDACTED_PATHS apart).
 */
export interface DecisionLine {
  requestId: string;
  /** Policy generation the request was judged under (null when it was refused before). */
  generation: number | null;
  method: string;
  path: string | null;
  /** With a trailing slash, the reading (with or without it) whose match decided. */
  reading: string | null;
  pattern: string | null;
  outcome: string;
  status: number;
  cacheHit: boolean;
  oxdMs: number;
  upstreamMs: number | null;
  detail: string | null;
}

export type DecisionLog = (level: 'info' | 'warn', line: DecisionLine) => void;

/**
 * Writes decision lines through `logger` without its redaction pass, which cost about 10 µs a
 * line here — more than the rest of the line — while it could redact nothing in a DecisionLine.
 * Every other log call keeps the redaction fence.
 */
export function decisionLog(logger: Logger): DecisionLog {
  const plain = logger.child({}, { redact: { paths: [] } });
  return (level, line) => {
    plain[level](line, 'request');
  };
}
