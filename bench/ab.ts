/**
 * A/B of two builds of the proxy on one machine at one time: the same backend and dev oxd, a
 * proxy from a baseline build (e.g. the previous commit compiled elsewhere) and one from this
 * build, loaded in alternation (A B, B A, …) so the machine's drift hits both alike. Prints the
 * proxy's median CPU µs/request per build and their ratio — the figure a performance change moves.
 *
 *   tsc -p tsconfig.bench.json && node dist/bench-build/bench/ab.js <baseline dist/bench-build/bench dir> [public|hit] [rounds] [seconds]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pinLoadGenerator } from './cpu-pinning.js';
import { runLoad } from './load.js';
import { readCounters } from './proxy-metrics.js';
import { PROTECTED_PATH, PUBLIC_PATH, startProxyRig, type RigProxy } from './proxy-rig.js';
import { median } from './stats.js';

const CONNECTIONS = 16;

async function main(): Promise<void> {
  const [baselineDir, scenario = 'public', roundsArg = '6', secondsArg = '4'] = process.argv.slice(2);
  if (baselineDir === undefined || (scenario !== 'public' && scenario !== 'hit')) throw new Error('usage: ab <baseline bench dir> [public|hit] [rounds] [seconds]');
  const rounds = Number(roundsArg);
  const seconds = Number(secondsArg);
  const rig = await startProxyRig(pinLoadGenerator());
  try {
    const builds = [
      { name: 'A (baseline)', proxy: await rig.startProxy('a', 60, { entry: pathToFileURL(resolve(baselineDir, 'sut-proxy.js')).href }), samples: [] as number[] },
      { name: 'B (this build)', proxy: await rig.startProxy('b', 60), samples: [] as number[] },
    ];
    const headersOf = async (proxy: RigProxy): Promise<Readonly<Record<string, string>>> => {
      if (scenario !== 'hit') return {};
      const [rpt = ''] = await rig.rpts(proxy, 1);
      return { authorization: `Bearer ${rpt}` };
    };
    const loads = await Promise.all(builds.map(async (b) => ({ build: b, url: `${b.proxy.url}${scenario === 'hit' ? PROTECTED_PATH : PUBLIC_PATH}`, headers: await headersOf(b.proxy) })));
    const once = async (load: (typeof loads)[number], durationSeconds: number): Promise<number> => {
      const cpuBefore = await load.build.proxy.sut.cpuMicros();
      const before = (await readCounters(load.build.proxy.adminUrl)).requests;
      await runLoad({ url: load.url, connections: CONNECTIONS, durationSeconds, headersFor: () => load.headers });
      const requests = (await readCounters(load.build.proxy.adminUrl)).requests - before;
      return ((await load.build.proxy.sut.cpuMicros()) - cpuBefore) / requests;
    };
    for (const load of loads) await once(load, 2); // warm-up: JIT and keep-alive pools
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? loads : [...loads].reverse();
      for (const load of order) load.build.samples.push(await once(load, seconds));
    }
    const [a, b] = builds;
    if (a === undefined || b === undefined) throw new Error('unreachable: two builds');
    for (const build of builds) console.log(`${build.name}: median ${median(build.samples).toFixed(1)} µs/request; runs ${build.samples.map((s) => s.toFixed(0)).join(' ')}`);
    // Back-to-back runs share the machine's state of the moment: their ratio is steadier than a ratio of medians.
    const paired = b.samples.map((sample, i) => sample / (a.samples[i] ?? Number.NaN));
    console.log(`${scenario}: B/A proxy CPU per request = ${(median(b.samples) / median(a.samples)).toFixed(3)} (ratio of medians); ` +
      `${median(paired).toFixed(3)} (median of paired runs: ${paired.map((r) => r.toFixed(2)).join(' ')})`);
  } finally {
    await rig.close();
  }
}

main().catch((err: unknown) => {
  console.error('ab failed:', err);
  process.exitCode = 1;
});
