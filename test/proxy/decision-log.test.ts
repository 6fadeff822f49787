/**
 * The decision log line is built by hand instead of through pino, for speed. That is safe only
 * while it says exactly what pino would (log consumers parse these lines) and while redaction
 * could not have changed it: pino redacts by key, and a DecisionLine's keys are fixed, flat and
 * none of them a redacted name. These tests fail when either stops being true.
 */
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LogCapture } from './harness.js';
import { REDACTED_PATHS, createLogger, decisionLog, type DecisionLine } from '../../src/proxy/logger.js';

const LINE: DecisionLine = {
  requestId: 'req-1',
  generation: 1,
  method: 'GET',
  path: '/photo',
  reading: '/photo',
  pattern: '/photo',
  outcome: 'granted',
  status: 200,
  cacheHit: true,
  authzMs: 0,
  upstreamMs: 1,
  detail: null,
};

/** Collects what is written, line by line, synchronously (as pino's own destinations are written). */
class Lines extends Writable {
  readonly written: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.written.push(chunk.toString('utf8'));
    callback();
  }
}

/** The same line through pino (its per-key loop) and by hand, times aside. */
function bothWays(line: DecisionLine, level: 'info' | 'warn', bindings: Record<string, unknown> = {}): { byPino: string; byHand: string } {
  const out = new Lines();
  const logger = createLogger('info', out).child(bindings);
  logger[level](line, 'request');
  decisionLog(logger)(level, line);
  const [byPino = '', byHand = ''] = out.written.map((text) => text.replace(/"time":\d+/, '"time":0'));
  return { byPino, byHand };
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a"b', 'a\\b', '\n', '\u2028', '\ud800', 'é'));
const nullableText = fc.option(text, { nil: null });
const arbitraryLine: fc.Arbitrary<DecisionLine> = fc.record({
  requestId: text,
  generation: fc.option(fc.nat(), { nil: null }),
  method: text,
  path: nullableText,
  reading: nullableText,
  pattern: nullableText,
  outcome: text,
  status: fc.nat(),
  cacheHit: fc.boolean(),
  authzMs: fc.nat(),
  upstreamMs: fc.option(fc.nat(), { nil: null }),
  detail: nullableText,
});

describe('the decision log line', () => {
  it('has no key that a redaction path names, and only flat values', () => {
    // Top-level names, and the last segment of wildcard or nested paths ("*.authorization").
    const redactedNames = new Set(REDACTED_PATHS.map((path) => path.split('.').at(-1)));
    for (const [key, value] of Object.entries(LINE)) {
      expect(redactedNames.has(key), key).toBe(false);
      expect(value === null || ['string', 'number', 'boolean'].includes(typeof value), key).toBe(true);
    }
  });

  it.each([
    { name: 'a forwarded request, with a cluster worker’s bindings', line: LINE, level: 'info' as const, bindings: { worker: 3, pid: 4242 } },
    { name: 'a refusal before matching (nulls)', line: { ...LINE, generation: null, path: null, reading: null, pattern: null, upstreamMs: null, outcome: 'bad_request', status: 400, cacheHit: false }, level: 'info' as const, bindings: {} },
    { name: 'a warning whose detail needs escaping', line: { ...LINE, outcome: 'upstream_unreachable', status: 502, detail: 'the upstream failed: "x"\\\n\u0001é\ud800' }, level: 'warn' as const, bindings: {} },
  ])('is byte for byte what pino writes: $name', ({ line, level, bindings }) => {
    const { byPino, byHand } = bothWays(line, level, bindings);
    expect(byHand).toBe(byPino);
  });

  it('says what pino would for any field values', () => {
    fc.assert(
      fc.property(arbitraryLine, fc.constantFrom('info' as const, 'warn' as const), (line, level) => {
        const { byPino, byHand } = bothWays(line, level);
        // Equal as JSON: pino leaves a lone surrogate raw where JSON.stringify escapes it.
        expect(JSON.parse(byHand)).toEqual(JSON.parse(byPino));
        expect(byHand.endsWith('}\n')).toBe(true);
      }),
    );
  });

  it('is written only when its level is enabled', () => {
    const out = new Lines();
    const log = decisionLog(createLogger('warn', out));
    log('info', LINE);
    log('warn', { ...LINE, outcome: 'upstream_timeout' });
    expect(out.written.map((l) => (JSON.parse(l) as { outcome: string }).outcome)).toEqual(['upstream_timeout']);
  });

  it('goes through pino for a destination that wants pino’s metadata per line', () => {
    const out = new Lines();
    const streams = pino.multistream([{ stream: out }]);
    decisionLog(pino({ base: { service: 'umagate' } }, streams))('info', LINE);
    expect(JSON.parse(out.written[0] ?? '')).toMatchObject({ ...LINE, level: 30, msg: 'request' });
  });

  it('is written with the logger bindings, while other lines through the same logger stay redacted', async () => {
    const logs = new LogCapture();
    const logger = createLogger('info', logs).child({ worker: 3 });
    decisionLog(logger)('info', LINE);
    logger.info({ headers: { authorization: 'Bearer secret' } }, 'other');
    const request = await logs.waitFor('the request line', (l) => l.msg === 'request');
    expect(request).toMatchObject({ ...LINE, service: 'umagate', worker: 3 });
    const other = await logs.waitFor('the other line', (l) => l.msg === 'other');
    expect(other.headers).toEqual({ authorization: '[redacted]' });
  });
});
