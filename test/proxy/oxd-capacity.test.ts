/** oxd lanes: token and anonymous calls never share slots; per-client bounds; bounded queues. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OxdError } from '../../src/oxd/index.js';
import { OxdCapacityError } from '../../src/proxy/errors.js';
import { ProxyMetrics } from '../../src/proxy/metrics.js';
import { OxdCapacity } from '../../src/proxy/oxd-capacity.js';
import { OxdGuard } from '../../src/proxy/oxd-guard.js';
import { clientAddress } from '../../src/proxy/request-headers.js';

const anonymous = (client = 'a') => ({ carriesToken: false, client });
const token = (client = 'a') => ({ carriesToken: true, client });

function capacity(perClient = 10) {
  return new OxdCapacity({ lanes: { token: { slots: 1, queue: 1 }, anonymous: { slots: 1, queue: 1 } }, perClient, metrics: new ProxyMetrics() });
}

describe('OxdCapacity', () => {
  it('a full anonymous lane leaves the token lane free', async () => {
    const c = capacity();
    await c.enter(anonymous('x'));
    void c.enter(anonymous('y')); // queued
    await expect(c.enter(anonymous('z'))).rejects.toMatchObject({ reason: 'queue_full' });
    const release = await c.enter(token('z'));
    release();
  });

  it('one client gets at most perClient calls per lane, running or waiting', async () => {
    const c = capacity(1);
    const release = await c.enter(anonymous('x'));
    await expect(c.enter(anonymous('x'))).rejects.toBeInstanceOf(OxdCapacityError);
    // Its token lane is counted apart: an anonymous flood cannot lock out its own token holder.
    (await c.enter(token('x')))();
    release();
    (await c.enter(anonymous('x')))();
  });

  it('a release hands the slot to the oldest waiter', async () => {
    const c = capacity();
    const first = await c.enter(token('a'));
    let admitted = false;
    const second = c.enter(token('b')).then((release) => {
      admitted = true;
      return release;
    });
    await Promise.resolve();
    expect(admitted).toBe(false);
    first();
    (await second)();
    expect(admitted).toBe(true);
  });
});

describe('OxdGuard with lanes', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('time spent waiting for a lane is not part of the oxd deadline, and sheds are no oxd failures', async () => {
    vi.useFakeTimers();
    const metrics = new ProxyMetrics();
    const lanes = new OxdCapacity({ lanes: { token: { slots: 1, queue: 5 }, anonymous: { slots: 1, queue: 0 } }, perClient: 10, metrics });
    const g = new OxdGuard({ timeoutMs: 50, failureThreshold: 1, now: () => 0, metrics, capacity: lanes });
    const spec = { command: 'uma_rs_check_access', retryUnreachable: false };
    let finishFirst: (value: string) => void = () => undefined;
    let finishAnonymous: (value: string) => void = () => undefined;
    const first = g.call({ ...spec, caller: token() }, () => new Promise<string>((resolve) => (finishFirst = resolve)));
    const second = g.call({ ...spec, caller: token() }, () => new Promise<string>((resolve) => setTimeout(resolve, 40, 'second')));
    const anonymousCall = g.call({ ...spec, caller: anonymous() }, () => new Promise<string>((resolve) => (finishAnonymous = resolve)));
    // A shed call never reaches oxd and never counts against it (threshold 1 would open at once).
    let reached = false;
    const shed = g.call({ ...spec, caller: anonymous('b') }, () => {
      reached = true;
      return Promise.reject(new OxdError('oxd_unreachable', 'x'));
    });
    await expect(shed).rejects.toBeInstanceOf(OxdCapacityError);
    expect(reached).toBe(false);
    finishAnonymous('anonymous');
    await expect(anonymousCall).resolves.toBe('anonymous');
    // The first call answers within its 50 ms deadline; the second waited 40 ms behind it and then
    // took 40 ms of its own: 80 ms since it was made, but only its own 40 count.
    await vi.advanceTimersByTimeAsync(40);
    finishFirst('first');
    await expect(first).resolves.toBe('first');
    await vi.advanceTimersByTimeAsync(40);
    await expect(second).resolves.toBe('second');
    expect(g.state).toBe('closed');
  });
});

describe('clientAddress', () => {
  const trusted = (address: string) => address === '10.0.0.1' || address === '10.0.0.2';
  it.each([
    ['an untrusted peer is the client, whatever it forwards', '192.0.2.7', '198.51.100.1', '192.0.2.7'],
    ['behind a trusted proxy, the rightmost untrusted hop', '10.0.0.1', '6.6.6.6, 198.51.100.1', '198.51.100.1'],
    ['trusted hops on the right are skipped', '10.0.0.1', '198.51.100.1, 10.0.0.2', '198.51.100.1'],
    ['a trusted peer that forwards nothing is the client', '10.0.0.1', undefined, '10.0.0.1'],
  ])('%s', (_name, peer, forwardedFor, expected) => {
    expect(clientAddress(peer, forwardedFor, trusted)).toBe(expected);
  });
});
