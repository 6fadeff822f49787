/**
 * The fault suite with `--workers 2`: the same subjects (subject.ts), the proxy started from the
 * built package (a cluster forks its workers from dist/), the workers' log lines relayed into
 * the harness's capture. Two things differ from one process: each worker has its own breaker,
 * so "service resumed" means every breaker closed again — the breaker gauge of /metrics, whose
 * cluster aggregate is the worst state of all — and a worker ending (an unhandled rejection ends
 * a worker process) is a failure even when its replacement serves on.
 */
import { afterEach, expect } from 'vitest';
import { builtStartProxy } from '../helpers/built-proxy.js';
import { useSubject, type FaultSubject, type Mode, type SubjectOptions } from './subject.js';

export const WORKERS = 2;

/**
 * The deadline of one call to the authorization service in a cluster, in seconds. A worker is a
 * fresh process whose first decisions run cold (on a loaded two-core machine one took 636 ms),
 * so the single process's 250 ms would turn cold starts, not faults, into 503s.
 */
export const CLUSTER_DEADLINE_SECONDS = 1;

/** Like useSubject, with `--workers 2`; after each test, checks that no worker ended. */
export function useClusterSubject(mode: Mode): (options?: SubjectOptions) => Promise<FaultSubject> {
  const subjectFor = useSubject(mode);
  let current: FaultSubject | null = null;
  afterEach(() => {
    const exits = current?.harness.logs.lines.filter((l) => l.msg === 'traffic worker exited; starting a replacement') ?? [];
    current = null;
    expect(exits, 'traffic workers that ended').toEqual([]);
  });
  return async (options = {}) => {
    const startProxy = await builtStartProxy();
    const deadline = mode === 'oxd' ? { oxdTimeout: CLUSTER_DEADLINE_SECONDS } : { asTimeout: CLUSTER_DEADLINE_SECONDS };
    current = await subjectFor({ ...options, startProxy, proxy: { ...deadline, ...options.proxy, workers: WORKERS } });
    // The primary registered; the workers serve protected paths once they have applied that.
    if (options.authzDown !== true) await clusterReady(current);
    return current;
  };
}

/** How long a wait for the cluster (all its workers) may take: many probe intervals, under the test timeout. */
const WAIT_MS = 10_000;
const POLL_MS = 25;

/** Polls (bounded) until `done` holds; the event is spread over several processes, /readyz and /metrics sum it up. */
async function pollUntil(what: string, done: () => Promise<string | true>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let last: string | true = '';
  while (Date.now() < deadline) {
    last = await done();
    if (last === true) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`${what} within ${WAIT_MS} ms (last seen: ${last})`);
}

/** Resolves once every worker serves the registered policy (/readyz 200). */
export function clusterReady(subject: FaultSubject): Promise<void> {
  return pollUntil('the cluster was not ready', async () => {
    const res = await fetch(`${subject.harness.proxy.adminUrl}/readyz`);
    return res.status === 200 ? true : await res.text();
  });
}

/** Resolves once every breaker of the cluster is closed: the aggregated gauge is the worst state of all. */
export function everyBreakerClosed(subject: FaultSubject): Promise<void> {
  return pollUntil("a worker's breaker was still not closed", async () => {
    const metrics = await (await fetch(`${subject.harness.proxy.adminUrl}/metrics`)).text();
    const state = /^umagate_oxd_breaker_state (\d+)$/m.exec(metrics)?.[1] ?? 'absent';
    return state === '0' ? true : `state ${state}`;
  });
}

