/**
 * Where the proxy's CPU goes: the bench rig with the proxy children under `node --cpu-prof`, one
 * scenario driven at saturation from this process, then the top self-time functions and packages
 * of the loaded proxy's profile, in µs per request. Profiling slows the proxy, so compare these
 * figures with each other, never with `npm run bench`.
 *
 *   tsc -p tsconfig.bench.json && node dist/bench-build/bench/profile.js [public|hit|miss] [seconds] [v8|perf|none] [top]
 *
 * `none` prints CPU µs/request only (a quick A/B of a change). `v8` is node --cpu-prof, which
 * samples wall time: when a syscall wakes a process on the same core (the backend, a libuv pool
 * thread), the time that process runs is charged to the syscall (writeLatin1String, …). `perf`
 * samples on-CPU time only, kernel included, and needs the perf tool.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinLoadGenerator } from './cpu-pinning.js';
import { runLoad } from './load.js';
import { readCounters } from './proxy-metrics.js';
import { PROTECTED_PATH, PUBLIC_PATH, startProxyRig, type ProxyRig, type RigProxy } from './proxy-rig.js';

const CONNECTIONS = 16;
const WARMUP_SECONDS = 2;

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

type ScenarioName = 'public' | 'hit' | 'miss';

interface Target {
  readonly proxy: RigProxy;
  readonly path: string;
  readonly headersFor: (connection: number) => Readonly<Record<string, string>>;
}

async function targetOf(rig: ProxyRig, scenario: ScenarioName): Promise<Target> {
  switch (scenario) {
    case 'public':
      return { proxy: await rig.startProxy('cached', 60), path: PUBLIC_PATH, headersFor: () => ({}) };
    case 'hit': {
      const proxy = await rig.startProxy('cached', 60);
      const [rpt] = await rig.rpts(proxy, 1);
      return { proxy, path: PROTECTED_PATH, headersFor: () => ({ authorization: `Bearer ${rpt ?? ''}` }) };
    }
    case 'miss': {
      const proxy = await rig.startProxy('uncached', 0);
      const rpts = await rig.rpts(proxy, CONNECTIONS);
      return { proxy, path: PROTECTED_PATH, headersFor: (c) => ({ authorization: `Bearer ${rpts[c] ?? ''}` }) };
    }
  }
}

/** Self time per function (key: name, file, line) and per package, in µs, from the samples. */
function selfTimes(profile: CpuProfile): { byFunction: Map<string, number>; byPackage: Map<string, number>; totalMicros: number } {
  const parentOf = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const nameOf = (frame: CallFrame): string => {
    const file = frame.url.replace(/^file:\/\/.*?\/(node_modules|dist\/bench-build)\//, '$1/');
    return `${frame.functionName === '' ? '(anonymous)' : frame.functionName} ${file}:${frame.lineNumber + 1}`;
  };
  const keyOf = new Map<number, { fn: string; pkg: string }>();
  for (const node of profile.nodes) {
    const { functionName, url } = node.callFrame;
    // A native function (a write syscall, say) says little alone: name the JS function that called it.
    const caller = url === '' && !functionName.startsWith('(') ? parentOf.get(node.id) : undefined;
    const fn = caller === undefined ? nameOf(node.callFrame) : `${functionName} ← ${nameOf(caller.callFrame)}`;
    keyOf.set(node.id, { fn, pkg: packageOf(functionName, url) });
  }
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalMicros = 0;
  // timeDeltas[i] is the time from sample i-1 to sample i: charge it to sample i's node.
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const key = keyOf.get(id);
    if (key === undefined || key.fn.startsWith('(idle)')) return;
    totalMicros += delta;
    byFunction.set(key.fn, (byFunction.get(key.fn) ?? 0) + delta);
    byPackage.set(key.pkg, (byPackage.get(key.pkg) ?? 0) + delta);
  });
  return { byFunction, byPackage, totalMicros };
}

function packageOf(functionName: string, url: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1] !== undefined) return modules[1];
  if (url.startsWith('node:')) return url;
  const own = /dist\/bench-build\/(src\/[^/]+|bench)\//.exec(url);
  return own?.[1] ?? url;
}

function printTop(title: string, entries: Map<string, number>, totalMicros: number, requests: number, top: number): void {
  console.log(`\n${title}`);
  console.log('| self µs/request | share | function |\n|---:|---:|---|');
  const sorted = [...entries].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, micros] of sorted) {
    console.log(`| ${(micros / requests).toFixed(1)} | ${((micros / totalMicros) * 100).toFixed(1)}% | \`${key}\` |`);
  }
}

async function largestProfile(dir: string): Promise<string> {
  let best: { file: string; size: number } | null = null;
  for (const name of await readdir(dir)) {
    const file = join(dir, name);
    const { size } = await stat(file);
    if (best === null || size > best.size) best = { file, size };
  }
  if (best === null) throw new Error(`no .cpuprofile written to ${dir}`);
  return best.file;
}

type Profiler = 'v8' | 'perf' | 'none';

function profilerFlags(profiler: Profiler, dir: string): string[] {
  if (profiler === 'v8') return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  // perf map of the JIT code, so perf can name JS functions.
  return profiler === 'perf' ? ['--perf-basic-prof'] : [];
}

/**
 * perf comes from Debian's linux-perf; a machine without it gets it here rather than by hand,
 * so the profile runs the same on a fresh machine (root and apt needed, as on CI machines).
 */
function ensurePerf(): void {
  const found = spawnSync('sh', ['-c', 'command -v perf'], { stdio: 'ignore' });
  if (found.status === 0) return;
  console.error('profile: perf not found; installing Debian package linux-perf');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'linux-perf'], { stdio: 'inherit', env });
}

/** `perf record` of on-CPU time only (cpu-clock), so time the process spends descheduled is not charged to it. */
function perfRecord(pid: number, seconds: number, file: string): Promise<void> {
  const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '1999', '-g', '-p', String(pid), '-o', file, '--', 'sleep', String(seconds)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return once(perf, 'exit').then(() => undefined);
}

/** Self (or, with `inclusive`, self + callees: JS functions only) share of the samples. */
function perfTop(file: string, sort: 'sym' | 'dso', top: number, inclusive = false): string {
  const args = ['report', '-i', file, '--stdio', inclusive ? '--children' : '--no-children', '-g', 'none', '--sort', sort];
  const text = execFileSync('perf', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#') && (!inclusive || line.includes('JS:')))
    .slice(0, top)
    .join('\n');
}

async function main(): Promise<void> {
  const [scenarioArg = 'public', secondsArg = '10', profilerArg = 'v8', topArg = '10'] = process.argv.slice(2);
  if (scenarioArg !== 'public' && scenarioArg !== 'hit' && scenarioArg !== 'miss') throw new Error('usage: profile [public|hit|miss] [seconds] [v8|perf|none] [top]');
  if (profilerArg !== 'v8' && profilerArg !== 'perf' && profilerArg !== 'none') throw new Error('usage: profile [public|hit|miss] [seconds] [v8|perf|none] [top]');
  const seconds = Number(secondsArg);
  const top = Number(topArg);
  const dir = await mkdtemp(join(tmpdir(), 'umagate-profile-'));
  const perfFile = join(dir, 'perf.data');
  if (profilerArg === 'perf') ensurePerf();
  const pinning = pinLoadGenerator();
  const rig = await startProxyRig(pinning, { proxyNodeArgs: profilerFlags(profilerArg, dir) });
  let requests: number;
  let cpuMicros: number;
  let upstreamMicros: number;
  try {
    const target = await targetOf(rig, scenarioArg);
    const url = `${target.proxy.url}${target.path}`;
    await runLoad({ url, connections: CONNECTIONS, durationSeconds: WARMUP_SECONDS, headersFor: target.headersFor });
    const before = await readCounters(target.proxy.adminUrl);
    const cpuBefore = await target.proxy.sut.cpuMicros();
    const upstreamBefore = await rig.upstream.cpuMicros();
    const recorded = profilerArg === 'perf' ? perfRecord(target.proxy.sut.pid, seconds, perfFile) : Promise.resolve();
    await runLoad({ url, connections: CONNECTIONS, durationSeconds: seconds, headersFor: target.headersFor });
    cpuMicros = (await target.proxy.sut.cpuMicros()) - cpuBefore;
    upstreamMicros = (await rig.upstream.cpuMicros()) - upstreamBefore;
    requests = (await readCounters(target.proxy.adminUrl)).requests - before.requests;
    await recorded;
  } finally {
    // A V8 profile is written when the child exits.
    await rig.close();
  }
  console.log(
    `scenario ${scenarioArg}, ${CONNECTIONS} connections, ${seconds} s: ${requests} requests (${(requests / seconds).toFixed(0)}/s); ` +
      `proxy CPU ${(cpuMicros / requests).toFixed(1)} µs/request${profilerArg === 'none' ? '' : ' (profiled)'}; backend + dev oxd ${(upstreamMicros / requests).toFixed(1)} µs/request`,
  );
  if (profilerArg === 'perf') {
    console.log(`\ntop ${top} symbols, on-CPU samples (perf cpu-clock; JS via --perf-basic-prof)\n${perfTop(perfFile, 'sym', top)}`);
    console.log(`\nby binary\n${perfTop(perfFile, 'dso', 8)}`);
    console.log(`\ntop ${top} JS functions by inclusive share (children, self)\n${perfTop(perfFile, 'sym', top, true)}`);
  } else if (profilerArg === 'v8') {
    const file = await largestProfile(dir);
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
    // The profile also covers boot and warm-up: its shares are applied to the measured window's CPU.
    const { byFunction, byPackage, totalMicros } = selfTimes(profile);
    console.log(`profile ${file}: ${(totalMicros / 1000).toFixed(0)} ms sampled (wall time while not idle, boot and warm-up included)`);
    printTop(`top ${top} functions by self time (share of samples × measured CPU/request)`, scale(byFunction, totalMicros, cpuMicros), cpuMicros, requests, top);
    printTop('by package', scale(byPackage, totalMicros, cpuMicros), cpuMicros, requests, top);
  }
  await rm(dir, { recursive: true, force: true });
}

/** Rescales profile shares onto the measured window's CPU, so µs/request figures add up to it. */
function scale(entries: Map<string, number>, profileTotal: number, windowMicros: number): Map<string, number> {
  return new Map([...entries].map(([key, micros]) => [key, (micros / profileTotal) * windowMicros]));
}

main().catch((err: unknown) => {
  console.error('profile failed:', err);
  process.exitCode = 1;
});
