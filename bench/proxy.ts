/**
 * Proxy throughput and latency, after the OPA-Envoy template (app only; app + proxy; + policy)
 * plus cache hit and cache miss. The load generator (autocannon, in this process) never shares a
 * process with the system under test; see cpu-pinning.ts for cores. Two kinds of run:
 * - saturation, 16 connections: throughput, its p99 (mostly queueing), and the CPU the system
 *   under test spent per request — the figure least moved by how fast the load generator is;
 * - one connection: p99 with no queueing, i.e. the latency the proxy adds to a single request.
 * Scenarios run interleaved (round 1: a b c d, round 2: a b c d, …) so slow drift of the machine
 * hits all of them alike; each figure is the median of its rounds.
 */
import type { Pinning } from './cpu-pinning.js';
import { runLoad } from './load.js';
import { readCounters } from './proxy-metrics.js';
import { PROTECTED_PATH, PUBLIC_PATH, startProxyRig, type BenchProxy, type ProxyRig } from './proxy-rig.js';
import { median } from './stats.js';
import type { BenchResult } from './types.js';

const CONNECTIONS = 16;
const WARMUP_SECONDS = 2;
const DURATION_SECONDS = 5;
const ROUNDS = 3;

interface Scenario {
  readonly name: string;
  readonly url: string;
  readonly headersFor: (connection: number) => Readonly<Record<string, string>>;
  /** The proxy whose counters tell how many oxd calls a request caused; null when none is in the path. */
  readonly proxy: BenchProxy | null;
  readonly note: string;
}

interface Sample {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly oxdCallsPerRequest: number | null;
  /** CPU time of all processes under test per request, in µs. */
  readonly cpuMicrosPerRequest: number;
  /** CPU time of all processes under test over the run's wall time (1 = one core fully busy). */
  readonly sutCores: number;
}

interface Samples {
  readonly saturated: Sample[];
  readonly single: Sample[];
}

const noHeaders = (): Readonly<Record<string, string>> => ({});
const bearer = (rpt: string): Readonly<Record<string, string>> => ({ authorization: `Bearer ${rpt}` });

async function scenariosOf(rig: ProxyRig): Promise<Scenario[]> {
  const [hitRpt] = await rig.rpts(rig.cached, 1);
  if (hitRpt === undefined) throw new Error('no RPT for the cache-hit scenario');
  // One RPT per connection: identical concurrent misses would share one oxd call (coalescing),
  // and the scenario would ask oxd less often than once per request.
  const missRpts = await rig.rpts(rig.uncached, CONNECTIONS);
  return [
    { name: 'direct to backend (baseline)', url: `${rig.backendUrl}${PUBLIC_PATH}`, headersFor: noHeaders, proxy: null, note: 'echo backend alone' },
    { name: 'umagate, public path', url: `${rig.cached.url}${PUBLIC_PATH}`, headersFor: noHeaders, proxy: rig.cached, note: 'match, forward, decision log; no oxd' },
    { name: 'umagate, protected, cache hit', url: `${rig.cached.url}${PROTECTED_PATH}`, headersFor: () => bearer(hitRpt), proxy: rig.cached, note: 'one RPT; grant from the decision cache' },
    {
      name: 'umagate, protected, cache miss',
      url: `${rig.uncached.url}${PROTECTED_PATH}`,
      headersFor: (connection) => bearer(missRpts[connection] ?? ''),
      proxy: rig.uncached,
      note: '--cache-ttl 0, one RPT per connection: uma_rs_check_access to the dev oxd (REST) on every request',
    },
  ];
}

async function sutCpuMicros(rig: ProxyRig): Promise<number> {
  const all = await Promise.all([rig.upstream, rig.cached.sut, rig.uncached.sut].map((sut) => sut.cpuMicros()));
  return all.reduce((a, b) => a + b, 0);
}

async function measure(rig: ProxyRig, scenario: Scenario, connections: number, durationSeconds: number): Promise<Sample> {
  const cpuBefore = await sutCpuMicros(rig);
  const countersBefore = scenario.proxy === null ? null : await readCounters(scenario.proxy.adminUrl);
  const load = await runLoad({ url: scenario.url, connections, durationSeconds, headersFor: scenario.headersFor });
  const cpu = (await sutCpuMicros(rig)) - cpuBefore;
  const countersAfter = scenario.proxy === null ? null : await readCounters(scenario.proxy.adminUrl);
  return {
    requestsPerSecond: load.requestsPerSecond,
    p99Ms: load.p99Ms,
    oxdCallsPerRequest:
      countersBefore === null || countersAfter === null
        ? null
        : (countersAfter.oxdCalls - countersBefore.oxdCalls) / (countersAfter.requests - countersBefore.requests),
    cpuMicrosPerRequest: cpu / load.requests,
    sutCores: cpu / 1000 / load.elapsedMs,
  };
}

const medianOf = (samples: readonly Sample[], pick: (s: Sample) => number): number => median(samples.map(pick));

const rangeOf = (samples: readonly Sample[], pick: (s: Sample) => number, digits: number): string => {
  const values = samples.map(pick);
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
};

function rowsOf(scenario: Scenario, own: Samples, base: Samples, pinning: Pinning): BenchResult[] {
  const row = (what: string, unit: string, pick: (s: Sample) => number, samples: readonly Sample[], baseSamples: readonly Sample[], note: string): BenchResult => {
    const baseline = medianOf(baseSamples, pick);
    const measured = medianOf(samples, pick);
    return { name: `${scenario.name}: ${what}`, baselineLabel: 'direct', baseline, measured, ratio: measured / baseline, unit, note };
  };
  const { saturated, single } = own;
  const cpu = medianOf(saturated, (s) => s.cpuMicrosPerRequest);
  const baseCpu = medianOf(base.saturated, (s) => s.cpuMicrosPerRequest);
  const oxd = saturated[0]?.oxdCallsPerRequest === null ? '' : `; oxd calls/request ${medianOf(saturated, (s) => s.oxdCallsPerRequest ?? Number.NaN).toFixed(2)}`;
  const busy = `system under test ${(medianOf(saturated, (s) => s.sutCores) * 100).toFixed(0)}% busy${pinning.pinned ? ' on its one core' : ' (unpinned)'}`;
  return [
    row(
      `throughput, ${CONNECTIONS} connections`,
      'req/s',
      (s) => s.requestsPerSecond,
      saturated,
      base.saturated,
      `${scenario.note}${oxd}; runs ${rangeOf(saturated, (s) => s.requestsPerSecond, 0)} req/s; ${busy}; CPU ${cpu.toFixed(0)} µs/request (${(cpu / baseCpu).toFixed(2)}× direct); higher is better`,
    ),
    row(`p99 latency, ${CONNECTIONS} connections`, 'ms', (s) => s.p99Ms, saturated, base.saturated, `runs ${rangeOf(saturated, (s) => s.p99Ms, 2)} ms; mostly queueing; lower is better`),
    row('p99 latency, 1 connection', 'ms', (s) => s.p99Ms, single, base.single, `runs ${rangeOf(single, (s) => s.p99Ms, 2)} ms; no queueing: what one request pays; lower is better`),
  ];
}

export async function benchProxy(pinning: Pinning): Promise<BenchResult[]> {
  const rig = await startProxyRig(pinning);
  try {
    const scenarios = await scenariosOf(rig);
    // Warm-up: JIT, keep-alive pools, the decision cache and the RPT-lifetime cache reach steady state.
    for (const scenario of scenarios) await measure(rig, scenario, CONNECTIONS, WARMUP_SECONDS);
    const samples = scenarios.map((): Samples => ({ saturated: [], single: [] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, scenario] of scenarios.entries()) {
        samples[i]?.saturated.push(await measure(rig, scenario, CONNECTIONS, DURATION_SECONDS));
        samples[i]?.single.push(await measure(rig, scenario, 1, DURATION_SECONDS));
      }
    }
    const [base] = samples;
    if (base === undefined) throw new Error('no baseline samples');
    // The baseline's own rows would all read 1.00×: only its throughput row is kept, for its spread.
    return scenarios.flatMap((scenario, i) => rowsOf(scenario, samples[i] ?? base, base, pinning).slice(0, i === 0 ? 1 : undefined));
  } finally {
    await rig.close();
  }
}
