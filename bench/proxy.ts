/**
 * umagate against its anchors, in one run: the backend alone, a bare http-proxy pass-through
 * (same Node, keep-alive agent), nginx proxy_pass with one worker and one per core, then umagate
 * on a public path, a cache hit (--workers 1, then --workers auto), a cache miss against the dev
 * oxd, and direct mode (--authz uma2) against the dev AS: a cache hit (--workers 1 and auto), and
 * a cache miss with introspection and with --rpt-verify jwt. Load: wrk (else autocannon), 50 connections, rounds
 * alternating in order (A B C …, then … C B A) so the machine's drift hits every row alike; each
 * figure is the median of its rounds. Nothing is pinned: every process shares the machine's
 * cores, as a user's would. Absolute figures depend on the machine and the moment; the ratios
 * within one run are the result.
 */
import { availableParallelism } from 'node:os';
import { pickLoadGenerator, type LoadFigures, type LoadGenerator } from './load-generator.js';
import { startNginx } from './nginx.js';
import { treeCpuMicros, treeRssMiB } from './process-tree.js';
import { progress } from './progress.js';
import { readCounters, type ProxyCounters } from './proxy-metrics.js';
import { PROTECTED_PATH, PUBLIC_PATH, startProxyRig, type ProxyRig, type RigProxy } from './proxy-rig.js';
import { settleAll, spawnSut } from './spawn-sut.js';
import { median } from './stats.js';
import { ensureDebianTool } from './tools.js';
import type { Pinning } from './cpu-pinning.js';

export const CONNECTIONS = 50;
/** Seconds of load before the rounds: JIT, keep-alive pools and the decision caches settle. */
const WARM_UP_SECONDS = 1;

export interface ProxyBenchSettings {
  readonly seconds: number;
  readonly rounds: number;
  /**
   * Distinct RPTs each cache-miss row sends in turn. At most the proxy's --oxd-per-client (16):
   * every connection comes from one client address, and its calls beyond that are shed (429).
   */
  readonly missTokens: number;
  /** `each`: every row alone before the rounds; `together`: all rows loaded at once (quicker, rougher). */
  readonly warmUp: 'each' | 'together';
}

/** Calls to the service that decides, per request, during one row. */
export interface AuthzCalls {
  readonly service: 'oxd' | 'AS';
  readonly perRequest: number;
  /** Direct mode: per request by "endpoint result" (e.g. "introspection ok"); empty for oxd. */
  readonly byKind: ReadonlyMap<string, number>;
}

interface Scenario {
  readonly key: string;
  readonly name: string;
  readonly url: string;
  readonly tokens: readonly string[];
  /** The umagate proxy whose /metrics tells the oxd or AS calls per request; null for the anchors. */
  readonly proxy: RigProxy | null;
  /** The process tree whose RSS is reported. */
  readonly pid: number;
}

interface Sample extends LoadFigures {
  readonly rssMiB: number;
  /** CPU time of the row's process tree (the proxy; the backend for "backend direct") per request. */
  readonly cpuMicrosPerRequest: number;
  /**
   * CPU time of the upstream process per request: the backend's share of the machine, which grows
   * with what a proxy adds to each request (its X-Forwarded-* and X-Request-Id, echoed back) and,
   * on a miss, with the dev oxd's or dev AS's work. On shared cores it is throughput lost too.
   */
  readonly upstreamCpuMicrosPerRequest: number;
  readonly calls: AuthzCalls | null;
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

/** The AS clients of the direct-mode proxies (each its own deployment). */
const DIRECT = {
  hit: 'umagate-bench-uma2-hit',
  hitAuto: 'umagate-bench-uma2-hit-auto',
  miss: 'umagate-bench-uma2-miss',
  missJwt: 'umagate-bench-uma2-miss-jwt',
} as const;

function callsBetween(proxy: RigProxy, before: ProxyCounters, after: ProxyCounters): AuthzCalls {
  const requests = Math.max(1, after.requests - before.requests);
  if (proxy.mode.authz === 'oxd') return { service: 'oxd', perRequest: (after.oxdCalls - before.oxdCalls) / requests, byKind: new Map() };
  const byKind = new Map<string, number>();
  for (const [kind, count] of after.asCalls) {
    const made = count - (before.asCalls.get(kind) ?? 0);
    if (made > 0) byKind.set(kind, made / requests);
  }
  return { service: 'AS', perRequest: [...byKind.values()].reduce((a, b) => a + b, 0), byKind };
}

/** `upstreamPid`: the process serving the backend (and the dev oxd and dev AS), what each row costs it. */
async function measure(load: LoadGenerator, scenario: Scenario, seconds: number, upstreamPid: number): Promise<Sample> {
  const before = scenario.proxy === null ? null : await readCounters(scenario.proxy.adminUrl);
  const cpuBefore = treeCpuMicros(scenario.pid);
  const upstreamBefore = treeCpuMicros(upstreamPid);
  const figures = await load.run({ url: scenario.url, connections: CONNECTIONS, seconds, tokens: scenario.tokens });
  // No request completed (the row's server stalled): no per-request figure rather than a huge one.
  const perRequest = (micros: number): number => (figures.requests === 0 ? Number.NaN : micros / figures.requests);
  const cpuMicrosPerRequest = perRequest(treeCpuMicros(scenario.pid) - cpuBefore);
  const upstreamCpuMicrosPerRequest = perRequest(treeCpuMicros(upstreamPid) - upstreamBefore);
  const rssMiB = treeRssMiB(scenario.pid);
  const after = scenario.proxy === null ? null : await readCounters(scenario.proxy.adminUrl);
  const calls = scenario.proxy === null || before === null || after === null ? null : callsBetween(scenario.proxy, before, after);
  return { ...figures, rssMiB, cpuMicrosPerRequest, upstreamCpuMicrosPerRequest, calls };
}

function summariseCalls(samples: readonly Sample[]): AuthzCalls | null {
  const first = samples[0]?.calls;
  if (first === undefined || first === null) return null;
  const kinds = new Set(samples.flatMap((s) => [...(s.calls?.byKind.keys() ?? [])]));
  return {
    service: first.service,
    perRequest: median(samples.map((s) => s.calls?.perRequest ?? Number.NaN)),
    byKind: new Map([...kinds].sort().map((kind) => [kind, median(samples.map((s) => s.calls?.byKind.get(kind) ?? 0))])),
  };
}

function summarise(samples: readonly Sample[]): NonNullable<ProxyRow['figures']> {
  const mid = (pick: (s: Sample) => number): number => median(samples.map(pick));
  return {
    requestsPerSecond: mid((s) => s.requestsPerSecond),
    p50Ms: mid((s) => s.p50Ms),
    p99Ms: mid((s) => s.p99Ms),
    p999Ms: mid((s) => s.p999Ms),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    rssMiB: mid((s) => s.rssMiB),
    cpuMicrosPerRequest: mid((s) => s.cpuMicrosPerRequest),
    upstreamCpuMicrosPerRequest: mid((s) => s.upstreamCpuMicrosPerRequest),
    calls: summariseCalls(samples),
    runs: samples.map((s) => s.requestsPerSecond),
  };
}

interface Anchor {
  readonly key: string;
  readonly name: string;
  /** Where it listens and the process tree to read, or null with the reason it is not there. */
  readonly running: { readonly url: string; readonly pid: number } | null;
  readonly skipped: string | null;
}

/** The bare proxy and both nginx variants, started in parallel; `onStarted` gets each one's stop. */
async function startAnchors(rig: ProxyRig, onStarted: (stop: () => Promise<void>) => void): Promise<Anchor[]> {
  const bare = spawnSut(unpinned, 'sut-bare-proxy.js', [rig.backendUrl]).then((sut) => {
    onStarted(() => sut.stop());
    return { key: 'bare', name: 'bare http-proxy pass-through (anchor)', running: { url: sut.info.url ?? '', pid: sut.pid }, skipped: null };
  });
  const tool = ensureDebianTool('nginx', 'nginx');
  const variants = [
    { key: 'nginx-1', name: 'nginx proxy_pass, 1 worker', workers: 1 as const },
    { key: 'nginx-auto', name: `nginx proxy_pass, ${availableParallelism()} workers (auto)`, workers: 'auto' as const },
  ];
  const nginx = variants.map(async ({ key, name, workers }): Promise<Anchor> => {
    if (!tool.found) return { key, name, running: null, skipped: tool.reason };
    try {
      const server = await startNginx(tool.path, rig.backendUrl, workers);
      onStarted(() => server.close());
      return { key, name, running: server, skipped: null };
    } catch (err) {
      return { key, name, running: null, skipped: `nginx did not start: ${err instanceof Error ? err.message : String(err)}` };
    }
  });
  return settleAll([bare, ...nginx]);
}

/**
 * `together` shares the CONNECTIONS among the rows: the backend behind every row sees one row's
 * concurrency, not a backlog that would still be draining when the first round starts.
 */
async function warmUp(load: LoadGenerator, scenarios: readonly Scenario[], how: ProxyBenchSettings['warmUp']): Promise<void> {
  const connections = how === 'each' ? CONNECTIONS : Math.ceil(CONNECTIONS / scenarios.length);
  const run = (s: Scenario): Promise<LoadFigures> => load.run({ url: s.url, connections, seconds: WARM_UP_SECONDS, tokens: s.tokens });
  if (how === 'together') await settleAll(scenarios.map(run));
  else for (const scenario of scenarios) await run(scenario);
}

export async function benchProxy(settings: ProxyBenchSettings): Promise<ProxyBenchResult> {
  const { generator: load, note: loadNote } = await pickLoadGenerator();
  progress(`load from ${loadNote}`);
  const rig = await startProxyRig(unpinned, { directProxies: Object.values(DIRECT) });
  const stops: (() => Promise<void>)[] = [];
  try {
    progress('starting the anchors and the umagate proxies…');
    // Every process starts at once; each start is waited for before the first failure is thrown,
    // so that the finally block stops whatever did start.
    const [anchors, cached, uncached, auto, directHit, directHitAuto, directMiss, directMissJwt] = await settleAll([
      startAnchors(rig, (stop) => stops.push(stop)),
      rig.startProxy('cached', 60),
      rig.startProxy('uncached', 0),
      rig.startProxy('auto', 60, { workers: 'auto' }),
      rig.startProxy(DIRECT.hit, 60, { mode: { authz: 'uma2', rptVerify: 'introspect' } }),
      rig.startProxy(DIRECT.hitAuto, 60, { workers: 'auto', mode: { authz: 'uma2', rptVerify: 'introspect' } }),
      rig.startProxy(DIRECT.miss, 0, { mode: { authz: 'uma2', rptVerify: 'introspect' } }),
      rig.startProxy(DIRECT.missJwt, 0, { mode: { authz: 'uma2', rptVerify: 'jwt' } }),
    ]);
    progress('every process is up; obtaining RPTs…');
    const [[hitRpt], [autoRpt], missRpts, [directHitRpt], [directAutoRpt], directMissRpts, directMissJwtRpts] = await settleAll([
      rig.rpts(cached, 1),
      rig.rpts(auto, 1),
      rig.rpts(uncached, settings.missTokens),
      rig.rpts(directHit, 1),
      rig.rpts(directHitAuto, 1),
      rig.rpts(directMiss, settings.missTokens),
      rig.rpts(directMissJwt, settings.missTokens),
    ]);
    if (hitRpt === undefined || autoRpt === undefined || directHitRpt === undefined || directAutoRpt === undefined) throw new Error('no RPT for the cache-hit rows');
    const scenarios: Scenario[] = [{ key: 'backend', name: 'backend direct', url: `${rig.backendUrl}${PUBLIC_PATH}`, tokens: [], proxy: null, pid: rig.upstream.pid }];
    const skipped: ProxyRow[] = [];
    for (const a of anchors) {
      if (a.running === null) skipped.push({ key: a.key, name: a.name, figures: null, skipped: a.skipped });
      else scenarios.push({ key: a.key, name: a.name, url: `${a.running.url}${PUBLIC_PATH}`, tokens: [], proxy: null, pid: a.running.pid });
    }
    const row = (key: string, name: string, proxy: RigProxy, tokens: readonly string[]): Scenario => ({
      key,
      name,
      url: `${proxy.url}${tokens.length === 0 ? PUBLIC_PATH : PROTECTED_PATH}`,
      tokens,
      proxy,
      pid: proxy.sut.pid,
    });
    const inTurn = `--cache-ttl 0, ${settings.missTokens} RPTs in turn`;
    scenarios.push(
      row('public', 'umagate, public path', cached, []),
      row('hit', 'umagate, cache hit, --workers 1', cached, [hitRpt]),
      row('miss', `umagate, cache miss (${inTurn})`, uncached, missRpts),
      row('hit-auto', `umagate, cache hit, --workers auto (${availableParallelism()})`, auto, [autoRpt]),
      row('uma2-hit', 'umagate --authz uma2, cache hit, --workers 1', directHit, [directHitRpt]),
      row('uma2-hit-auto', `umagate --authz uma2, cache hit, --workers auto (${availableParallelism()})`, directHitAuto, [directAutoRpt]),
      row('uma2-miss', `umagate --authz uma2, cache miss, introspection (${inTurn})`, directMiss, directMissRpts),
      row('uma2-miss-jwt', `umagate --authz uma2, cache miss, --rpt-verify jwt (${inTurn})`, directMissJwt, directMissJwtRpts),
    );
    progress(`warm-up (${settings.warmUp === 'each' ? 'row by row' : 'all rows at once'})…`);
    await warmUp(load, scenarios, settings.warmUp);
    const samples = new Map<string, Sample[]>(scenarios.map((s) => [s.key, []]));
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? scenarios : [...scenarios].reverse();
      for (const scenario of order) {
        progress(`round ${round + 1}/${settings.rounds}: ${scenario.name}`);
        samples.get(scenario.key)?.push(await measure(load, scenario, settings.seconds, rig.upstream.pid));
      }
    }
    const rows: ProxyRow[] = scenarios.map((s) => ({ key: s.key, name: s.name, figures: summarise(samples.get(s.key) ?? []), skipped: null }));
    return { load: load.name, rows: [...rows, ...skipped] };
  } finally {
    await Promise.all(stops.map((stop) => stop()));
    await rig.close();
  }
}
