/** The circuit breaker and retry rules around oxd calls, on an injected clock and fake timers. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OxdError } from '../../src/oxd/index.js';
import { AuthorizationUnavailableError } from '../../src/proxy/errors.js';
import { ProxyMetrics } from '../../src/proxy/metrics.js';
import { OxdGuard, type ProbeCall } from '../../src/proxy/oxd-guard.js';

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

describe('OxdGuard background probe (ARCHITECTURE.md, Outage: service resumes with no client traffic)', () => {
  const INTERVAL = 2000;

  afterEach(() => {
    vi.useRealTimers();
  });

  /** A guard whose probe reaches a scripted oxd: down until `oxd.up` is set. */
  function probed(script?: () => ProbeCall | null) {
    const oxd = { up: false, probes: 0 };
    const probe = script ?? (() => ({ command: 'get_rp', run: () => (oxd.up ? Promise.resolve({}) : refuse()) }));
    const metrics = new ProxyMetrics();
    const g = new OxdGuard({
      timeoutMs: 1000,
      failureThreshold: 3,
      probeIntervalMs: INTERVAL,
      now: () => performance.now(),
      metrics,
      probe: () => {
        oxd.probes += 1;
        return probe();
      },
    });
    return { g, oxd, metrics };
  }

  async function open(g: OxdGuard): Promise<void> {
    for (let i = 0; i < 3; i += 1) await g.call(spec, refuse).catch(() => undefined);
    expect(g.state).toBe('open');
  }

  async function breakerMetric(metrics: ProxyMetrics): Promise<number | undefined> {
    return (await metrics.breakerState.get()).values[0]?.value;
  }

  it('closes the breaker within one probe interval of oxd returning, with no calls', async () => {
    vi.useFakeTimers();
    const { g, oxd, metrics } = probed();
    await open(g);
    expect(await breakerMetric(metrics)).toBe(2);
    oxd.up = true;
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(oxd.probes).toBe(0);
    expect(g.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(oxd.probes).toBe(1);
    expect(g.state).toBe('closed');
    expect(g.reachable).toBe(true);
    expect(await breakerMetric(metrics)).toBe(0);
    // Closed: nothing more is probed.
    await vi.advanceTimersByTimeAsync(INTERVAL * 5);
    expect(oxd.probes).toBe(1);
  });

  it('keeps probing once per interval while oxd stays down', async () => {
    vi.useFakeTimers();
    const { g, oxd } = probed();
    await open(g);
    for (let i = 1; i <= 3; i += 1) {
      await vi.advanceTimersByTimeAsync(INTERVAL);
      expect(oxd.probes).toBe(i);
      expect(g.state).toBe('open');
    }
    oxd.up = true;
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(g.state).toBe('closed');
  });

  it('a probe that hangs is cut by the call deadline and the breaker stays open', async () => {
    vi.useFakeTimers();
    const { g, oxd } = probed(() => ({ command: 'get_rp', run: () => new Promise(() => undefined) }));
    await open(g);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(g.state).toBe('half_open');
    await vi.advanceTimersByTimeAsync(1000);
    expect(g.state).toBe('open');
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(oxd.probes).toBe(2);
  });

  it('with nothing to probe with yet, asks again the next interval', async () => {
    vi.useFakeTimers();
    let ready = false;
    const up = (): Promise<unknown> => Promise.resolve({});
    const { g, oxd } = probed(() => (ready ? { command: 'get_rp', run: up } : null));
    await open(g);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(oxd.probes).toBe(1);
    expect(g.state).toBe('open');
    ready = true;
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(g.state).toBe('closed');
  });

  it('stop() ends the probing', async () => {
    vi.useFakeTimers();
    const { g, oxd } = probed();
    await open(g);
    g.stop();
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(oxd.probes).toBe(0);
  });
});
