/**
 * Loggers without a destination write to stdout through one batching stream per process: each
 * stream needs a listener at exit (to write what is still pending), and one per logger would add
 * up wherever many proxies start in one process (a library user's tests, for one).
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/proxy/logger.js';

describe('loggers writing to stdout', () => {
  it('share one batching stream, so starting many adds no exit listener', () => {
    createLogger('silent');
    const before = process.listenerCount('exit');
    for (let i = 0; i < 20; i++) createLogger('silent');
    expect(process.listenerCount('exit')).toBe(before);
  });
});
