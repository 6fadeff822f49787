/** The circuit breaker and retry rules around oxd calls, on an injected clock. */
import { describe, expect, it } from 'vitest';
import { OxdError } from '../../src/oxd/index.js';
import { AuthorizationUnavailableError } from '../../src/proxy/errors.js';
import { ProxyMetrics } from '../../src/proxy/metrics.js';
import { OxdGuard } from '../../src/proxy/oxd-guard.js';

function guard(clock: { now: number }, timeoutMs = 1000) {
  return new OxdGuard({ timeoutMs, failureThreshold: 3, probeIntervalMs: 2000, now: () => clock.now, metrics: new ProxyMetrics() });
}

const spec = { command: 'uma_rs_check_access', retryUnreachable: true };
const refuse = () => Promise.reject(new OxdError('oxd_unreachable', 'ECONNREFUSED'));

describe('OxdGuard', () => {
  it('retries once on oxd_unreachable while closed', async () => {
    const g = guard({ now: 0 });
    let attempts = 0;
    const result = await g.call(spec, () => {
      attempts += 1;
      return attempts === 1 ? refuse() : Promise.resolve('ok');
    });
    expect(result).toBe('ok');
    expect(attempts).toBe(2);
  });

  it('never retries a timeout', async () => {
    const g = guard({ now: 0 }, 20);
    let attempts = 0;
    await expect(
      g.call(spec, () => {
        attempts += 1;
        return new Promise(() => undefined);
      }),
    ).rejects.toMatchObject({ code: 'authorization_unavailable', reason: 'oxd_timeout' });
    expect(attempts).toBe(1);
  });

  it('opens after N consecutive failures, fails fast, probes every interval, and closes on success', async () => {
    const clock = { now: 0 };
    const g = guard(clock);
    for (let i = 0; i < 3; i += 1) await expect(g.call(spec, refuse)).rejects.toBeInstanceOf(AuthorizationUnavailableError);
    expect(g.state).toBe('open');
    let reached = 0;
    const counting = () => {
      reached += 1;
      return Promise.resolve('ok');
    };
    await expect(g.call(spec, counting)).rejects.toMatchObject({ reason: 'breaker_open' });
    expect(reached).toBe(0);
    clock.now += 2000; // probe interval elapsed: one call goes through
    await expect(g.call(spec, counting)).resolves.toBe('ok');
    expect(reached).toBe(1);
    expect(g.state).toBe('closed');
    expect(g.reachable).toBe(true);
  });

  it('a failed probe re-opens the breaker for another interval', async () => {
    const clock = { now: 0 };
    const g = guard(clock);
    for (let i = 0; i < 3; i += 1) await g.call(spec, refuse).catch(() => undefined);
    clock.now += 2000;
    await expect(g.call(spec, refuse)).rejects.toMatchObject({ reason: 'oxd_unreachable' });
    expect(g.state).toBe('open');
    clock.now += 1000;
    await expect(g.call(spec, () => Promise.resolve('ok'))).rejects.toMatchObject({ reason: 'breaker_open' });
  });

  it("oxd's own error answers pass through and count as oxd being up", async () => {
    const g = guard({ now: 0 });
    for (let i = 0; i < 5; i += 1) {
      await expect(g.call(spec, () => Promise.reject(new OxdError('invalid_request', 'not protected')))).rejects.toMatchObject({ code: 'invalid_request' });
    }
    expect(g.state).toBe('closed');
  });
});
