/**
 * On a 2-core machine the load generator, the proxy, the backend and oxd compete for CPU, and the
 * scheduler decides who wins — run to run differently. Pinning gives the load generator one core
 * and the whole system under test the other, so a ratio reads as "how much of one core's capacity
 * the proxy costs", and repeats. Without taskset (or with one core) the run is unpinned and the
 * table says so.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export const LOAD_CPU = 0;
export const SUT_CPU = 1;

export interface Pinning {
  readonly pinned: boolean;
  /** The command and leading arguments that start a process under test. */
  readonly sutCommand: readonly [string, ...string[]];
}

/** Pins this process (every thread) to LOAD_CPU and says how to start SUT processes on SUT_CPU. */
export function pinLoadGenerator(): Pinning {
  const unpinned: Pinning = { pinned: false, sutCommand: [process.execPath] };
  if (availableParallelism() < 2) return unpinned;
  try {
    execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' });
  } catch {
    return unpinned;
  }
  return { pinned: true, sutCommand: ['taskset', '--cpu-list', String(SUT_CPU), process.execPath] };
}
