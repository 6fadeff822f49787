/**
 * The decision log line skips pino's redaction for speed. That is safe only while redaction
 * could not change such a line: pino redacts by key, and a DecisionLine's keys are fixed, flat
 * and none of them a redacted name. These tests fail when a field is added that breaks this.
 */
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
  oxdMs: 0,
  upstreamMs: 1,
  detail: null,
};

describe('the decision log line', () => {
  it('has no key that a redaction path names, and only flat values', () => {
    // Top-level names, and the last segment of wildcard or nested paths ("*.authorization").
    const redactedNames = new Set(REDACTED_PATHS.map((path) => path.split('.').at(-1)));
    for (const [key, value] of Object.entries(LINE)) {
      expect(redactedNames.has(key), key).toBe(false);
      expect(value === null || ['string', 'number', 'boolean'].includes(typeof value), key).toBe(true);
    }
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
