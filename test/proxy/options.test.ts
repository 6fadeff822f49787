/** Serve options: defaults, parsing, and every problem reported at once. */
import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../src/proxy/errors.js';
import { isTrustedPeer, resolveServeOptions } from '../../src/proxy/options.js';

describe('resolveServeOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveServeOptions({ upstream: 'http://127.0.0.1:3000' });
    expect(o).toMatchObject({
      policyFile: 'policies.yaml',
      oxdConfig: 'umagate.cfg',
      listen: { host: '0.0.0.0', port: 8080 },
      adminListen: { host: '0.0.0.0', port: 9090 },
      passCredentials: 'pass',
      cacheTtlSeconds: 60,
      cacheMax: 10_000,
      trustProxy: [],
      logLevel: 'info',
      upstreamTimeoutMs: 30_000,
      oxdTimeoutMs: 5_000,
      oxdPerClient: 16,
    });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('collects every problem in one OptionsError', () => {
    let error: unknown;
    try {
      resolveServeOptions({ listen: 'nope', passCredentials: 'phantom', cacheTtl: '-1', cacheMax: '1.5', oxdPerClient: '0', trustProxy: '10.0.0.0/33', logLevel: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OptionsError);
    const options = (error as OptionsError).problems.map((p) => p.option);
    expect(options).toEqual(['--upstream', '--listen', '--pass-credentials', '--cache-ttl', '--cache-max', '--oxd-per-client', '--log-level', '--trust-proxy']);
  });

  it.each([
    { tuning: { breaker: { failureThreshold: 0 } }, option: 'breaker.failureThreshold' },
    { tuning: { breaker: { failureThreshold: 1.5 } }, option: 'breaker.failureThreshold' },
    { tuning: { breaker: { probeIntervalMs: -1 } }, option: 'breaker.probeIntervalMs' },
    { tuning: { headersTimeoutMs: Number.NaN }, option: 'headersTimeoutMs' },
  ])('refuses $option in $tuning (a breaker that never opens, a deadline that never passes)', ({ tuning, option }) => {
    expect(() => resolveServeOptions({ upstream: 'http://u', ...tuning })).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ option })] }) as Error,
    );
  });

  it.each([
    { value: '127.0.0.1:0', host: '127.0.0.1', port: 0 },
    { value: '[::1]:8080', host: '::1', port: 8080 },
    { value: ':9000', host: '0.0.0.0', port: 9000 },
    { value: '9000', host: '0.0.0.0', port: 9000 },
  ])('--listen $value', ({ value, host, port }) => {
    expect(resolveServeOptions({ upstream: 'http://u', listen: value }).listen).toEqual({ host, port });
  });

  it('trust-proxy CIDRs match IPv4, IPv4-mapped and IPv6 peers', () => {
    const o = resolveServeOptions({ upstream: 'http://u', trustProxy: '10.0.0.0/8, ::1' });
    expect(isTrustedPeer(o, '10.2.3.4')).toBe(true);
    expect(isTrustedPeer(o, '::ffff:10.2.3.4')).toBe(true);
    expect(isTrustedPeer(o, '::1')).toBe(true);
    expect(isTrustedPeer(o, '11.0.0.1')).toBe(false);
    expect(isTrustedPeer(resolveServeOptions({ upstream: 'http://u' }), '127.0.0.1')).toBe(false);
  });
});
