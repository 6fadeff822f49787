/**
 * Soak: bounded load against one proxy process for `--duration` seconds (default 300), every
 * request with an RPT no earlier request used — half granted, half made up (denied) — against
 * `--cache-max 10000`, so the decision cache and the RPT-lifetime cache overflow many times.
 * Samples the proxy's RSS, heap and open descriptors (/proc/<pid>/fd) every 10 s and prints a
 * verdict: flat memory and descriptors, and no answer but 200 (granted) and 401 (denied).
 *
 * Granting a million RPTs through real grant flows would take longer than the soak itself, so the
 * dev oxd runs with `grantingRptPrefix` (dev and load tests only): RPTs with that prefix are
 * granted, as the RPTs a real AS issued would be. The proxy does not know and cannot tell.
 *
 *   npm run soak                       # five minutes
 *   npm run soak -- --duration 90      # a shorter run
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startDevOxd } from '../src/devoxd/index.js';
import { startEchoBackend } from '../src/sandbox/echo-backend.js';
import { POLICY, PROTECTED_PATH, iniText } from './proxy-rig.js';

const GRANTING_PREFIX = 'soak-granted-';
const CACHE_MAX = 10_000;
const CONCURRENCY = 32;
/**
 * All the load comes from one address: the per-client oxd bound (default 16, then 429) would shed
 * most of it. The soak is about memory and descriptors, so the bound is lifted above the load.
 */
const OXD_PER_CLIENT = CONCURRENCY * 2;
const SAMPLE_EVERY_MS = 10_000;
/** Growth from the first sample after warm-up to the last one that still counts as flat. */
const FLAT_RSS_RATIO = 1.25;
const FLAT_HEAP_RATIO = 1.25;
const FLAT_FD_SLACK = 16;

interface Sample {
  readonly atSeconds: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly fds: number;
  readonly requests: number;
}

function durationSeconds(): number {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '300' } } });
  const seconds = Number(values.duration);
  if (!Number.isFinite(seconds) || seconds < 20) throw new Error(`--duration must be a number of seconds ≥ 20, got "${values.duration}"`);
  return seconds;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function main(): Promise<void> {
  const duration = durationSeconds();
  const dir = await mkdtemp(join(tmpdir(), 'umagate-soak-'));
  const oxd = await startDevOxd({ socketPort: null, restPort: 0, grantingRptPrefix: GRANTING_PREFIX, callLogLimit: 1 });
  const backend = await startEchoBackend({ host: '127.0.0.1', port: 0 });
  const policy = join(dir, 'policies.yaml');
  const ini = join(dir, 'umagate.cfg');
  await writeFile(policy, POLICY);
  await writeFile(ini, iniText(oxd.restUrl ?? '', oxd.opHost));
  const child = fork(fileURLToPath(new URL('soak-proxy.js', import.meta.url)), [policy, ini, backend.url, String(CACHE_MAX), String(OXD_PER_CLIENT)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: ['--expose-gc'],
  });
  const pid = child.pid ?? -1;
  const [ready] = (await once(child, 'message')) as [{ url?: string }];
  const url = ready.url ?? '';
  const heapMiB = async (): Promise<number> => {
    const answer = once(child, 'message') as Promise<[{ heapUsed?: number }]>;
    child.send({ type: 'heap' });
    const [{ heapUsed }] = await answer;
    return (heapUsed ?? NaN) / 2 ** 20;
  };

  const pool = new Pool(url, { connections: CONCURRENCY });
  const statuses = new Map<string, number>();
  let next = 0;
  let requests = 0;
  const deadline = performance.now() + duration * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const n = next++;
      const rpt = n % 2 === 0 ? `${GRANTING_PREFIX}${n}` : `made-up-${n}`;
      const expected = n % 2 === 0 ? 200 : 401;
      let outcome: string;
      try {
        const res = await pool.request({ method: 'GET', path: PROTECTED_PATH, headers: { authorization: `Bearer ${rpt}` } });
        await res.body.dump();
        outcome = res.statusCode === expected ? String(res.statusCode) : `unexpected ${res.statusCode}`;
      } catch (err) {
        outcome = `error ${(err as { code?: string }).code ?? String(err)}`;
      }
      statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      requests += 1;
    }
  };

  const samples: Sample[] = [];
  const started = performance.now();
  const sample = async (): Promise<void> => {
    const s: Sample = {
      atSeconds: Math.round((performance.now() - started) / 1000),
      rssMiB: await rssMiB(pid),
      heapMiB: await heapMiB(),
      fds: (await readdir(`/proc/${pid}/fd`)).length,
      requests,
    };
    samples.push(s);
    process.stdout.write(`soak: t=${s.atSeconds}s rss=${s.rssMiB.toFixed(1)}MiB heap=${s.heapMiB.toFixed(1)}MiB fds=${s.fds} requests=${s.requests}\n`);
  };
  const sampler = setInterval(() => void sample(), SAMPLE_EVERY_MS);
  await sample();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(sampler);
  await sample();

  await pool.close();
  child.disconnect();
  await once(child, 'exit');
  await backend.close();
  await oxd.close();
  await rm(dir, { recursive: true, force: true });

  // The first samples include warm-up (JIT, caches filling to --cache-max): judge from the third on.
  const steady = samples.slice(Math.min(2, samples.length - 1));
  const first = steady[0];
  const last = steady.at(-1);
  if (first === undefined || last === undefined) throw new Error('no samples were taken');
  const maxRss = Math.max(...steady.map((s) => s.rssMiB));
  const maxHeap = Math.max(...steady.map((s) => s.heapMiB));
  const maxFds = Math.max(...steady.map((s) => s.fds));
  const outcomes = [...statuses].map(([k, v]) => `${k}×${v}`).join(' ');
  const failures = [
    maxRss > first.rssMiB * FLAT_RSS_RATIO ? `RSS grew from ${first.rssMiB.toFixed(1)} to ${maxRss.toFixed(1)} MiB` : null,
    maxHeap > first.heapMiB * FLAT_HEAP_RATIO ? `heap grew from ${first.heapMiB.toFixed(1)} to ${maxHeap.toFixed(1)} MiB` : null,
    maxFds > first.fds + FLAT_FD_SLACK ? `descriptors grew from ${first.fds} to ${maxFds}` : null,
    [...statuses.keys()].some((k) => k !== '200' && k !== '401') ? 'answers other than 200 (granted) and 401 (denied)' : null,
  ].filter((f) => f !== null);
  process.stdout.write(`soak: ${requests} requests in ${duration} s (${Math.round(requests / duration)}/s), ${requests} distinct RPTs, --cache-max ${CACHE_MAX}: ${outcomes}\n`);
  process.stdout.write(`soak: verdict: ${failures.length === 0 ? 'PASS — RSS, heap and descriptors flat; no error besides denials' : `FAIL — ${failures.join('; ')}`}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
