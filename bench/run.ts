/**
 * `npm run bench`: every benchmark, then one markdown table of ratios against baselines measured
 * in the same run (absolute figures depend on the machine; the ratios are what to compare).
 */
import { availableParallelism } from 'node:os';
import { pinLoadGenerator } from './cpu-pinning.js';
import { benchPolicyMatch } from './policy-match.js';
import { benchProxy } from './proxy.js';
import { markdownTable } from './table.js';

/** The whole run takes about 2.5 minutes; past this something hangs, and the run gives up. */
const WATCHDOG_MS = 5 * 60_000;

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS / 60_000} minutes; giving up`);
    // The children notice the closed IPC channel and stop by themselves.
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  // Read before pinning: afterwards this process may use one CPU only.
  const cpus = availableParallelism();
  const pinning = pinLoadGenerator();
  console.error(
    pinning.pinned
      ? `bench: load generator pinned to CPU 0, system under test to CPU 1 (of ${cpus})`
      : `bench: CPU pinning unavailable; processes share ${cpus} CPU(s) as the scheduler decides`,
  );
  console.error('bench: policy matching…');
  const policy = await benchPolicyMatch();
  console.error('bench: proxy (about 2.5 minutes)…');
  const proxy = await benchProxy(pinning);
  console.log(markdownTable([...proxy, policy]));
}

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exitCode = 1;
});
