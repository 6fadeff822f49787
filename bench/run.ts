/**
 * `npm run bench [-- --quick]`: umagate against its anchors in one run (proxy.ts), memory of
 * cached grants, and matching cost against policy size; markdown on stdout, progress on stderr.
 * --quick: one 1 s round per row after a shared warm-up, fewer cached grants, a smaller policy
 * to match against: checks the rig in under a minute, not figures to quote.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { benchCacheMemory, TARGET_GRANTS } from './cache-memory.js';
import { benchPolicyMatch, FULL_MATCH, type MatchSettings } from './policy-match.js';
import { progress } from './progress.js';
import { benchProxy, CONNECTIONS, type ProxyBenchSettings } from './proxy.js';
import { proxyTable, targetLines } from './report.js';
import { markdownTable } from './table.js';

/** Past this something hangs, and the run gives up. */
const WATCHDOG_MS = 10 * 60_000;

interface RunSettings {
  readonly proxy: ProxyBenchSettings;
  readonly grants: number;
  readonly match: MatchSettings;
}

const FULL: RunSettings = {
  proxy: { seconds: 5, rounds: 3, missTokens: 16, warmUp: 'each' },
  grants: TARGET_GRANTS,
  match: FULL_MATCH,
};
const QUICK: RunSettings = {
  proxy: { seconds: 1, rounds: 1, missTokens: 4, warmUp: 'together' },
  grants: 20_000,
  match: { resources: 2_000, rounds: 5, iterations: 2_000 },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`unknown argument(s) ${unknown.join(' ')}; usage: npm run bench [-- --quick]`);
  const quick = args.includes('--quick');
  const settings = quick ? QUICK : FULL;
  const watchdog = setTimeout(() => {
    progress(`still running after ${WATCHDOG_MS / 60_000} minutes; giving up`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  const machine = `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  progress(`${machine}; ${quick ? 'quick' : 'full'} run`);
  const proxy = await benchProxy(settings.proxy);
  progress('memory of cached grants…');
  const memory = await benchCacheMemory(settings.grants);
  progress('policy matching…');
  const policy = await benchPolicyMatch(settings.match);
  const { seconds, rounds, warmUp } = settings.proxy;
  const warmUpText = warmUp === 'each' ? 'each row warmed up alone' : 'all rows warmed up at once';
  const n = (value: number): string => value.toLocaleString('en-US');
  if (quick) console.log(`Quick run: checks the rig, not for quoting (one ${seconds} s round per row after a shared warm-up, ${n(settings.grants)} cached grants, a ${n(settings.match.resources)}-resource policy).\n`);
  console.log(`Machine: ${machine}. Load: ${proxy.load}, ${CONNECTIONS} connections, ${warmUpText}, then ${rounds} round(s) of ${seconds} s per row, alternating order; medians.\n`);
  console.log(proxyTable(proxy));
  console.log(`\nTargets:\n${targetLines(proxy)}\n`);
  console.log(markdownTable([memory, policy]));
  progress('done (the tsc step before the run not counted)');
}

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exitCode = 1;
});
