/**
 * umagate against its anchors, in one run: the backend alone, a bare http-proxy pass-through
 * (same Node, keep-alive agent), nginx proxy_pass with one worker and one per core, then umagate
 * on a public path, a cache hit, a cache miss against the dev oxd, and a cache hit with
 * --workers auto. Load: wrk (else autocannon), 50 connections, rounds alternating in order
 * (A B C …, then … C B A) so the machine's drift hits every row alike; each figure is the median
 * of its rounds. Nothing is pinned: every process shares the machine's cores, as a user's would.
 * Absolute figures depend on the machine and the moment; the ratios within one run are the result.
 */
import { availableParallelism } from 'node:os';
import { pickLoadGenerator, type LoadFigures, type LoadGenerator } from './load-generator.js';
import { startNginx, type RunningNginx } from './nginx.js';
import { treeCpuMicros, treeRssMiB } from './process-tree.js';
import { readCounters } from './proxy-metrics.js';
import { PROTECTED_PATH, PUBLIC_PATH, startProxyRig, type BenchProxy, type ProxyRig } from './proxy-rig.js';
import { spawnSut, type Sut } from './spawn-sut.js';
import { median } from './stats.js';
import { ensureDebianTool } from './tools.js';
import type { Pinning } from './cpu-pinning.js';

export const CONNECTIONS = 50;

export interface ProxyBenchSettings {
  readonly seconds: number;
  readonly rounds: number;
  /** Distinct RPTs the cache-miss row sends in turn. */
  readonly missTokens: number;
}

interface Scenario {
  readonly key: string;
  readonly name: string;
  readonly url: string;
  readonly tokens: readonly string[];
  /** The umagate proxy whose /metrics tells oxd calls per request; null for the anchors. */
  readonly proxy: BenchProxy | null;
  /** The process tree whose RSS is reported. */
  readonly pid: number;
}

interface Sample extends LoadFigures {
  readonly rssMiB: number;
  /** CPU time of the row's process tree (the proxy, or the backend for the direct row) per request. */
  readonly cpuMicrosPerRequest: number;
  readonly oxdCallsPerRequest: number | null;
}

export interface ProxyRow {
  readonly key: string;
  readonly name: string;
  /** Median figures, or null with the reason the row was skipped. */
  readonly figures: (Omit<Sample, 'requests'> & { readonly runs: readonly number[] }) | null;
  readonly skipped: string | null;
}

export interface ProxyBenchResult {
  readonly load: string;
  readonly rows: readonly ProxyRow[];
}

const unpinned: Pinning = { pinned: false, sutCommand: [process.execPath] };

async function measure(load: LoadGenerator, scenario: Scenario, seconds: number): Promise<Sample> {
  const before = scenario.proxy === null ? null : await readCounters(scenario.proxy.adminUrl);
  const cpuBefore = treeCpuMicros(scenario.pid);
  const figures = await load.run({ url: scenario.url, connections: CONNECTIONS, seconds, tokens: scenario.tokens });
  const cpuMicrosPerRequest = (treeCpuMicros(scenario.pid) - cpuBefore) / Math.max(1, figures.requests);
  const rssMiB = treeRssMiB(scenario.pid);
  const after = scenario.proxy === null ? null : await readCounters(scenario.proxy.adminUrl);
  const oxdCallsPerRequest = before === null || after === null ? null : (after.oxdCalls - before.oxdCalls) / Math.max(1, after.requests - before.requests);
  return { ...figures, rssMiB, cpuMicrosPerRequest, oxdCallsPerRequest };
}

function summarise(samples: readonly Sample[]): NonNullable<ProxyRow['figures']> {
  const mid = (pick: (s: Sample) => number): number => median(samples.map(pick));
  const oxd = samples[0]?.oxdCallsPerRequest === null ? null : mid((s) => s.oxdCallsPerRequest ?? Number.NaN);
  return {
    requestsPerSecond: mid((s) => s.requestsPerSecond),
    p50Ms: mid((s) => s.p50Ms),
    p99Ms: mid((s) => s.p99Ms),
    p999Ms: mid((s) => s.p999Ms),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    rssMiB: mid((s) => s.rssMiB),
    cpuMicrosPerRequest: mid((s) => s.cpuMicrosPerRequest),
    oxdCallsPerRequest: oxd,
    runs: samples.map((s) => s.requestsPerSecond),
  };
}

interface Anchors {
  readonly bare: Sut;
  readonly nginx: readonly { readonly key: string; readonly name: string; readonly server: RunningNginx | null; readonly skipped: string | null }[];
}

async function startAnchors(rig: ProxyRig): Promise<Anchors> {
  const bare = await spawnSut(unpinned, 'sut-bare-proxy.js', [rig.backendUrl]);
  const tool = ensureDebianTool('nginx', 'nginx');
  const cores = availableParallelism();
  const variants = [
    { key: 'nginx-1', name: 'nginx proxy_pass, 1 worker', workers: 1 as const },
    { key: 'nginx-auto', name: `nginx proxy_pass, ${cores} workers (auto)`, workers: 'auto' as const },
  ];
  const nginx = [];
  for (const variant of variants) {
    if (!tool.found) {
      nginx.push({ key: variant.key, name: variant.name, server: null, skipped: tool.reason });
      continue;
    }
    try {
      nginx.push({ key: variant.key, name: variant.name, server: await startNginx(tool.path, rig.backendUrl, variant.workers), skipped: null });
    } catch (err) {
      nginx.push({ key: variant.key, name: variant.name, server: null, skipped: `nginx did not start: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return { bare, nginx };
}

export async function benchProxy(settings: ProxyBenchSettings): Promise<ProxyBenchResult> {
  const { generator: load, note: loadNote } = await pickLoadGenerator();
  console.error(`bench: load from ${loadNote}`);
  const rig = await startProxyRig(unpinned);
  let anchors: Anchors | null = null;
  try {
    anchors = await startAnchors(rig);
    const auto = await rig.startProxy('auto', 60, 'auto');
    const [hitRpt] = await rig.rpts(rig.cached, 1);
    const [autoRpt] = await rig.rpts(auto, 1);
    const missRpts = await rig.rpts(rig.uncached, settings.missTokens);
    if (hitRpt === undefined || autoRpt === undefined) throw new Error('no RPT for the cache-hit rows');
    const skipped: ProxyRow[] = [];
    const scenarios: Scenario[] = [
      { key: 'direct', name: 'backend direct', url: `${rig.backendUrl}${PUBLIC_PATH}`, tokens: [], proxy: null, pid: rig.upstream.pid },
      { key: 'bare', name: 'bare http-proxy pass-through (anchor)', url: `${anchors.bare.info.url ?? ''}${PUBLIC_PATH}`, tokens: [], proxy: null, pid: anchors.bare.pid },
    ];
    for (const n of anchors.nginx) {
      if (n.server === null) skipped.push({ key: n.key, name: n.name, figures: null, skipped: n.skipped });
      else scenarios.push({ key: n.key, name: n.name, url: `${n.server.url}${PUBLIC_PATH}`, tokens: [], proxy: null, pid: n.server.pid });
    }
    scenarios.push(
      { key: 'public', name: 'umagate, public path', url: `${rig.cached.url}${PUBLIC_PATH}`, tokens: [], proxy: rig.cached, pid: rig.cached.sut.pid },
      { key: 'hit', name: 'umagate, cache hit', url: `${rig.cached.url}${PROTECTED_PATH}`, tokens: [hitRpt], proxy: rig.cached, pid: rig.cached.sut.pid },
      {
        key: 'miss',
        name: `umagate, cache miss (--cache-ttl 0, ${missRpts.length} RPTs in turn)`,
        url: `${rig.uncached.url}${PROTECTED_PATH}`,
        tokens: missRpts,
        proxy: rig.uncached,
        pid: rig.uncached.sut.pid,
      },
      { key: 'hit-auto', name: `umagate, cache hit, --workers auto (${availableParallelism()})`, url: `${auto.url}${PROTECTED_PATH}`, tokens: [autoRpt], proxy: auto, pid: auto.sut.pid },
    );
    // Warm-up: JIT, keep-alive pools, the decision cache reach steady state.
    for (const scenario of scenarios) await measure(load, scenario, 1);
    const samples = new Map<string, Sample[]>(scenarios.map((s) => [s.key, []]));
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? scenarios : [...scenarios].reverse();
      for (const scenario of order) {
        console.error(`bench: round ${round + 1}/${settings.rounds}: ${scenario.name}`);
        samples.get(scenario.key)?.push(await measure(load, scenario, settings.seconds));
      }
    }
    const rows: ProxyRow[] = scenarios.map((s) => ({ key: s.key, name: s.name, figures: summarise(samples.get(s.key) ?? []), skipped: null }));
    return { load: load.name, rows: [...rows, ...skipped] };
  } finally {
    await Promise.all([anchors?.bare.stop(), ...(anchors?.nginx ?? []).map((n) => n.server?.close())]);
    await rig.close();
  }
}
