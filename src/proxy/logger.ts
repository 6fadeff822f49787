/**
 * pino JSON logs to stdout (or a stream the caller gives, e.g. a test capturing lines).
 * Tokens and tickets are never passed to the logger; the redaction list is a second fence
 * should a future log call pass a request or an oxd answer whole.
 */
import { writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import { errorCode } from '../errors.js';
import type { LogLevel } from './options.js';

export type { Logger } from 'pino';

export const REDACTED_PATHS: readonly string[] = ['rpt', 'ticket', 'wwwAuthenticate', 'authorization', '*.authorization', 'headers.authorization', 'access_token'];

/**
 * stdout is written asynchronously in batches of at least this many characters (about a dozen
 * request lines): under load, one write per batch instead of one per request, each of which is
 * a trip through libuv's thread pool. A line waits at most STDOUT_FLUSH_MS when traffic is low;
 * what is still waiting when the process exits is written synchronously then.
 */
const STDOUT_MIN_WRITE_CHARS = 4096;
const STDOUT_FLUSH_MS = 100;

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'umagate' }, redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' } };
  if (destination !== undefined) return pino(options, destination);
  return pino(options, batchedStdout());
}

/** stdout is one per process, and so is its batching, whatever the number of loggers. */
let stdoutBatches: DestinationStream | null = null;

function batchedStdout(): DestinationStream {
  stdoutBatches ??= createStdoutBatches();
  return stdoutBatches;
}

/**
 * Lines are gathered here rather than with sonic-boom's minLength, which measures the bytes of
 * its whole pending buffer on every line (flattening it each time): about 1.5 µs a line.
 */
function createStdoutBatches(): DestinationStream {
  // pino.destination flushes this stream synchronously at exit; its 'exit' listener comes first.
  const stdout = pino.destination({ dest: 1, sync: false });
  let pending: string[] = [];
  let pendingChars = 0;
  let flushTimer: NodeJS.Timeout | null = null;
  const take = (): string => {
    const batch = pending.join('');
    pending = [];
    pendingChars = 0;
    return batch;
  };
  const flush = (): void => {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    if (pending.length > 0) stdout.write(take());
  };
  process.once('exit', () => {
    if (pending.length > 0) writeAllSync(1, take());
  });
  return {
    write(line: string) {
      pending.push(line);
      pendingChars += line.length;
      if (pendingChars >= STDOUT_MIN_WRITE_CHARS) flush();
      // One timer per quiet period, not per line; unref'd: the exit write covers the rest.
      else flushTimer ??= setTimeout(flush, STDOUT_FLUSH_MS).unref();
    },
  };
}

/** Retries of a write refused with EAGAIN (stdout a full non-blocking pipe), 1 ms apart. */
const EXIT_WRITE_RETRIES = 1000;

/** Writes `text` whole before the process exits, waiting out a full pipe as sonic-boom does. */
function writeAllSync(fd: number, text: string): void {
  let rest = Buffer.from(text);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let retries = 0; rest.length > 0 && retries < EXIT_WRITE_RETRIES; ) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (err) {
      if (errorCode(err) !== 'EAGAIN') return;
      retries += 1;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
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
  /** Time waiting for the authorization service (oxd, or the AS in direct mode); 0 when not asked. */
  authzMs: number;
  upstreamMs: number | null;
  detail: string | null;
}

export type DecisionLog = (level: 'info' | 'warn', line: DecisionLine) => void;

/**
 * Writes decision lines straight to the logger's destination, as the JSON pino would write for
 * `logger[level](line, 'request')` (test/proxy/decision-log.test.ts compares the bytes), built by
 * hand: the keys are fixed and flat, so there is nothing for pino's per-key loop, serializers or
 * redaction pass (about 10 µs a line here, more than the rest of the line) to do. Every other log
 * call still goes through pino and its redaction fence. Only for loggers from createLogger (pino's
 * default time, level and message formats); a destination that wants pino's per-line metadata
 * (pino.multistream) gets the line through pino.
 */
export function decisionLog(logger: Logger): DecisionLog {
  const destination: unknown = Reflect.get(logger, pino.symbols.streamSym);
  // The base and child bindings exactly as pino renders them (`,"service":"umagate","worker":1`).
  const bindings: unknown = Reflect.get(logger, pino.symbols.chindingsSym);
  if (!isPlainDestination(destination) || typeof bindings !== 'string') {
    const plain = logger.child({}, { redact: { paths: [] } });
    return (level, line) => {
      plain[level](line, 'request');
    };
  }
  const levelValue = logger.levels.values;
  return (level, line) => {
    if (!logger.isLevelEnabled(level)) return;
    destination.write(`{"level":${levelValue[level]},"time":${Date.now()}${bindings}${decisionFields(line)},"msg":"request"}\n`);
  };
}

function isPlainDestination(value: unknown): value is { write(line: string): unknown } {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'write') === 'function' && Reflect.get(value, pino.symbols.needsMetadataGsym) !== true;
}

/** The line's fields in DecisionLine's key order, each key led by a comma. */
function decisionFields(l: DecisionLine): string {
  return (
    `,"requestId":${jsonString(l.requestId)},"generation":${jsonNumber(l.generation)},"method":${jsonString(l.method)}` +
    `,"path":${jsonString(l.path)},"reading":${jsonString(l.reading)},"pattern":${jsonString(l.pattern)}` +
    `,"outcome":${jsonString(l.outcome)},"status":${jsonNumber(l.status)},"cacheHit":${l.cacheHit}` +
    `,"authzMs":${jsonNumber(l.authzMs)},"upstreamMs":${jsonNumber(l.upstreamMs)},"detail":${jsonString(l.detail)}`
  );
}

/**
 * A JSON string, quoted as is when it holds only printable ASCII other than `"` and `\` (every
 * canonical path, pattern, method and outcome id), else through JSON.stringify.
 */
function jsonString(value: string | null): string {
  if (value === null) return 'null';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(value);
  }
  return `"${value}"`;
}

/** As pino writes numbers: a value that is not finite is null. */
function jsonNumber(value: number | null): string {
  return value !== null && Number.isFinite(value) ? String(value) : 'null';
}
