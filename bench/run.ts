/**
 * `npm run bench [-- --quick]`: umagate against its anchors in one run (proxy.ts), memory of
 * cached grants, and matching cost against policy size; markdown on stdout, progress on stderr.
 * --quick: one short round per row, under a minute, to check the rig rather than to quote.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { benchCacheMemory } from './cache-memory.js';
import { benchPolicyMatch } from './policy-match.js';
import { benchProxy, CONNECTIONS, type ProxyBenchSettings } from './proxy.js';
import { proxyTable, targetLines } from './report.js';
import { markdownTable } from './table.js';

/** Past this something hangs, and the run gives up. */
const WATCHDOG_MS = 10 * 60_000;

const FULL: ProxyBenchSettings = { seconds: 5, rounds: 3, missTokens: 16 };
const QUICK: ProxyBenchSettings = { seconds: 2, rounds: 1, missTokens: 4 };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`unknown argument(s) ${unknown.join(' ')}; usage: npm run bench [-- --quick]`);
  const quick = args.includes('--quick');
  const settings = quick ? QUICK : FULL;
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS / 60_000} minutes; giving up`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  const machine = `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  console.error(`bench: ${machine}; ${quick ? 'quick' : 'full'} run`);
  const proxy = await benchProxy(settings);
  console.error('bench: memory of cached grants…');
  const memory = await benchCacheMemory();
  console.error('bench: policy matching…');
  const policy = await benchPolicyMatch();
  console.log(`Machine: ${machine}. Load: ${proxy.load}, ${CONNECTIONS} connections, ${settings.rounds} round(s) of ${settings.seconds} s per row, alternating order; medians.\n`);
  console.log(proxyTable(proxy));
  console.log('\nDirect mode (`--authz uma2`: cache hit and miss against the dev AS, introspection vs `--rpt-verify jwt`): not measured, the mode is not on this branch yet.\n');
  console.log(`Targets:\n${targetLines(proxy)}\n`);
  console.log(markdownTable([memory, policy]));
}

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exitCode = 1;
});
