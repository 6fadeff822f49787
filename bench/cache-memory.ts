/**
 * Memory of cached grants, as a user sees it: the RSS of a real `umagate serve` process (the CLI,
 * started as `node <dist>/src/cli/main.js serve`, oxd mode against the dev oxd over REST, decision
 * log at the default level to a pipe that is drained) after `grants` requests, each with an RPT no
 * other request used, each answered 200 from a grant the proxy then caches with the RPT's
 * introspected lifetime. `--cache-max` is `grants`, so every grant and every RPT-lifetime entry is
 * still held at the end. Nothing is forced: no --expose-gc, no GC before reading — the figure is
 * the process's VmRSS a few seconds after the load stops, what `ps` or a container limit sees.
 *
 * The dev oxd and the echo backend run in this process, not the proxy's. The dev oxd grants RPTs
 * with a prefix (`grantingRptPrefix`, as the soak does): issuing 100,000 RPTs through real grant
 * flows would take longer than the measurement; the proxy cannot tell the difference.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startGrantingOxd, startGrantingRig } from './granting-rig.js';
import { rssMiB } from './process-tree.js';
import { readCounters } from './proxy-metrics.js';
import { PROTECTED_PATH } from './proxy-rig.js';
import { stopChild } from './spawn-sut.js';
import type { BenchResult } from './types.js';

/** The target: a process holding this many grants stays within TARGET_RSS_MIB. */
export const TARGET_GRANTS = 100_000;
/** 150 MB, in MiB (the unit every RSS figure here is given in). */
const TARGET_RSS_MIB = 143;
const GRANTING_PREFIX = 'mem-granted-';
const CONNECTIONS = 32;
/** The proxy sheds a client's oxd-bound requests beyond --oxd-per-client; all load is one client. */
const OXD_PER_CLIENT = CONNECTIONS * 2;
/** Idle time after the load before RSS is read: the proxy's own timers (log flush, GC) settle. */
const SETTLE_MS = 3_000;
const PEAK_SAMPLE_MS = 500;
const BOOT_TIMEOUT_MS = 60_000;

/** RPT-sized opaque tokens, each distinct (about the 36 characters the dev oxd and Gluu issue). */
function rpt(i: number): string {
  return `${GRANTING_PREFIX}${i.toString(16).padStart(24, '0')}`;
}

/** Fewer grants than TARGET_GRANTS (a quick run) check the rig only; the note says so. */
export async function benchCacheMemory(grants: number = TARGET_GRANTS): Promise<BenchResult> {
  const rig = await startGrantingRig('memory', (dir) => startGrantingOxd(GRANTING_PREFIX, dir));
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const args = ['serve', '--policy', rig.policy, '--oxd-config', rig.authority.oxdConfig, '--upstream', rig.backendUrl, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'];
  args.push('--cache-max', String(grants), '--cache-ttl', '3600', '--oxd-per-client', String(OXD_PER_CLIENT));
  const child = spawn(process.execPath, [...nodeFlags(), cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = child.pid ?? -1;
  try {
    const { url, adminUrl } = await listening(child.stdout, BOOT_TIMEOUT_MS);
    const pool = new Pool(url, { connections: CONNECTIONS });
    try {
      await waitForGrant(pool);
      const baseRssMiB = rssMiB(pid);
      const started = performance.now();
      let peakRssMiB = baseRssMiB;
      const sampler = setInterval(() => {
        // A failed read (NaN) leaves the peak as it was.
        peakRssMiB = Math.max(peakRssMiB, rssMiB(pid) || 0);
      }, PEAK_SAMPLE_MS);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < grants) {
          const token = rpt(next++);
          const res = await pool.request({ method: 'GET', path: PROTECTED_PATH, headers: { authorization: `Bearer ${token}` } });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`expected 200 for a granted RPT, got ${res.statusCode}`);
        }
      };
      try {
        await Promise.all(Array.from({ length: CONNECTIONS }, worker));
      } finally {
        clearInterval(sampler);
      }
      peakRssMiB = Math.max(peakRssMiB, rssMiB(pid));
      const fillSeconds = (performance.now() - started) / 1000;
      await sleep(SETTLE_MS);
      const rss = rssMiB(pid);
      const hits = await firstRptIsCached(pool, adminUrl, grants);
      const target =
        grants === TARGET_GRANTS
          ? `target ≤ ${TARGET_RSS_MIB} MiB (150 MB) after the load and under it, ${Math.max(rss, peakRssMiB) <= TARGET_RSS_MIB ? 'met' : 'missed'}`
          : `the target (≤ ${TARGET_RSS_MIB} MiB) is for ${TARGET_GRANTS.toLocaleString('en-US')} grants: not judged here`;
      return {
        name: `${grants.toLocaleString('en-US')} cached grants: \`umagate serve\` RSS`,
        baselineLabel: 'same process after boot',
        baseline: baseRssMiB,
        measured: rss,
        ratio: rss / baseRssMiB,
        unit: 'MiB',
        note: `oxd mode, --cache-max ${grants}, ${grants.toLocaleString('en-US')} requests with distinct RPTs over HTTP (${fillSeconds.toFixed(0)} s), then ${hits}; RSS ${SETTLE_MS / 1000} s after, no forced GC (${peakRssMiB.toFixed(0)} MiB at most under the load, sampled every ${PEAK_SAMPLE_MS} ms): +${((rss - baseRssMiB) * 1024 * 1024 / grants).toFixed(0)} bytes/grant; ${target}`,
      };
    } finally {
      await pool.close();
    }
  } finally {
    await stopChild(child);
    await rig.close();
  }
}

/**
 * Node flags for the proxy from UMAGATE_BENCH_NODE_FLAGS (space-separated), to measure what a
 * V8 setting does to the figure, e.g. `--max-semi-space-size=4` or `--trace-gc`.
 */
function nodeFlags(): string[] {
  return (process.env.UMAGATE_BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

/** The URLs from the proxy's `listening` log line; the rest of stdout is drained unread. */
async function listening(stdout: NodeJS.ReadableStream, timeoutMs: number): Promise<{ readonly url: string; readonly adminUrl: string }> {
  const lines = createInterface({ input: stdout });
  const started = performance.now();
  const timer = setTimeout(() => {
    lines.close();
  }, timeoutMs);
  let urls: { readonly url: string; readonly adminUrl: string } | null = null;
  try {
    for await (const line of lines) {
      if (!line.includes('"msg":"listening"')) continue;
      const { listen, admin } = JSON.parse(line) as { listen?: unknown; admin?: unknown };
      if (typeof listen !== 'string' || typeof admin !== 'string') throw new Error(`listening line without its URLs: ${line}`);
      urls = { url: listen, adminUrl: admin };
      break;
    }
  } finally {
    clearTimeout(timer);
  }
  // stdout also ends when the process exits (a bad flag, a failed boot: its reason is on stderr).
  if (urls === null) throw new Error(performance.now() - started >= timeoutMs ? `umagate serve did not log "listening" within ${timeoutMs / 1000} s` : 'umagate serve exited before it logged "listening"');
  // Leaving the loop closed the reader, which paused stdout: keep draining it, so that the
  // decision log never blocks the proxy on a full pipe.
  stdout.resume();
  return urls;
}

/** The policy is registered asynchronously after boot: the first grant marks it done. */
async function waitForGrant(pool: Pool): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const res = await pool.request({ method: 'GET', path: PROTECTED_PATH, headers: { authorization: `Bearer ${GRANTING_PREFIX}warm-up` } });
    await res.body.dump();
    if (res.statusCode === 200) return;
    await sleep(100);
  }
  throw new Error('the proxy never granted a request: registration with the dev oxd did not complete');
}

/** Proof that every grant is still cached: one more request with the first RPT is a cache hit. */
async function firstRptIsCached(pool: Pool, adminUrl: string, grants: number): Promise<string> {
  const before = (await readCounters(adminUrl)).cacheHits;
  const res = await pool.request({ method: 'GET', path: PROTECTED_PATH, headers: { authorization: `Bearer ${rpt(0)}` } });
  await res.body.dump();
  if (res.statusCode !== 200 || (await readCounters(adminUrl)).cacheHits !== before + 1) throw new Error('the first RPT was not answered from the cache: the cache holds fewer grants than were made');
  return `the first of the ${grants.toLocaleString('en-US')} RPTs answered from the cache`;
}
