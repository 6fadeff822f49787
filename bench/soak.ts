/**
 * Soak: bounded load against one proxy process for `--duration` seconds (default 300), every
 * request with an RPT no earlier request used — half granted, half made up (denied) — against
 * `--cache-max 10000`, so the decision cache and the RPT caches overflow many times. Samples the
 * proxy's RSS, heap and open descriptors (/proc/<pid>/fd) every 10 s and prints a verdict: flat
 * memory and descriptors once the caches are full, and no answer but 200 (granted) and 401 (denied). Every other answer
 * is printed with the proxy's decision log line for it (outcome, status, detail): an error is
 * explained, not just counted.
 *
 * `--authz oxd` (the default) runs the proxy against the dev oxd (REST); `--authz uma2` runs it in
 * direct UMA 2.0 mode against the dev AS (Keycloak dialect, introspection). Granting a million
 * RPTs through real grant flows would take longer than the soak itself, so either runs with
 * `grantingRptPrefix` (dev and load tests only): RPTs with that prefix are granted, as the RPTs a
 * real AS issued would be. The proxy does not know and cannot tell.
 *
 *   npm run soak                                   # five minutes, oxd mode
 *   npm run soak -- --authz uma2                   # five minutes, direct mode
 *   npm run soak -- --duration 90 --authz uma2     # a shorter run
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startDevAs } from '../src/devas/index.js';
import type { StartProxyOptions } from '../src/proxy/index.js';
import { startGrantingOxd, startGrantingRig } from './granting-rig.js';
import { rssMiB } from './process-tree.js';
import { PROTECTED_PATH } from './proxy-rig.js';
import { median } from './stats.js';

const GRANTING_PREFIX = 'soak-granted-';
const CACHE_MAX = 10_000;
const CONCURRENCY = 32;
/**
 * All the load comes from one address: the per-client bound on authorization calls (default 16,
 * then 429) would shed most of it. The soak is about memory and descriptors, so the bound is
 * lifted above the load.
 */
const OXD_PER_CLIENT = CONCURRENCY * 2;
const SAMPLE_EVERY_MS = 10_000;
/**
 * Growth from the first third of the samples after warm-up to the last third (medians of each)
 * that still counts as flat. Medians, not single samples: RSS swings by tens of MiB from one
 * sample to the next under load (freed memory the allocator has not handed back yet) and comes
 * back down, while a leak shows as a level that keeps rising.
 */
const FLAT_RSS_RATIO = 1.25;
const FLAT_HEAP_RATIO = 1.25;
const FLAT_FD_SLACK = 16;
/**
 * Requests after which every bounded cache has filled: the decision cache holds grants (half the
 * requests), the caches per RPT (lifetime, introspection) one entry per request.
 */
const WARM_REQUESTS = 2 * CACHE_MAX;
/** Errors and unusual log lines printed with their explanation; the counts stay exact beyond it. */
const KEPT = 20;
const AUTHZ_MODES = ['oxd', 'uma2'] as const;
type Authz = (typeof AUTHZ_MODES)[number];
const SOAK_RS = { clientId: 'umagate-soak', clientSecret: 'soak-secret-0123456789' } as const;

interface Sample {
  readonly atSeconds: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly fds: number;
  readonly requests: number;
}

interface Args {
  readonly duration: number;
  readonly authz: Authz;
}

function readArgs(): Args {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '300' }, authz: { type: 'string', default: 'oxd' } } });
  const duration = Number(values.duration);
  if (!Number.isFinite(duration) || duration < 20) throw new Error(`--duration must be a number of seconds ≥ 20, got "${values.duration}"`);
  const authz = AUTHZ_MODES.find((m) => m === values.authz);
  if (authz === undefined) throw new Error(`--authz must be one of ${AUTHZ_MODES.join(', ')}, got "${values.authz}"`);
  return { duration, authz };
}

/** The authorization service for the mode, and the proxy options that point at it. */
interface Authority {
  readonly proxyOptions: Partial<StartProxyOptions>;
  readonly describe: string;
  close(): Promise<void>;
}

async function startAuthority(authz: Authz, dir: string): Promise<Authority> {
  if (authz === 'oxd') {
    const oxd = await startGrantingOxd(GRANTING_PREFIX, dir);
    return { proxyOptions: { oxdConfig: oxd.oxdConfig }, describe: 'oxd mode (dev oxd, REST)', close: () => oxd.close() };
  }
  const as = await startDevAs({ dialect: 'keycloak', grantingRptPrefix: GRANTING_PREFIX, callLogLimit: 1 });
  as.createClient(SOAK_RS);
  return {
    proxyOptions: { authz: 'uma2', issuer: as.issuer, ...SOAK_RS, umaState: join(dir, 'uma-resources.json') },
    describe: 'direct UMA 2.0 mode (dev AS, Keycloak dialect, introspection)',
    close: () => as.close(),
  };
}

/** The proxy child: its messages routed by type, heap samples on request. */
class ProxyChild {
  readonly child: ChildProcess;
  /** Decision log lines the child forwarded (neither a 200 grant nor a 401 ticket), by request id. */
  readonly unusual = new Map<string, Record<string, unknown>>();
  /** Forwarded lines that are not about one request (warnings about the AS, the backend…). */
  readonly otherLines: string[] = [];
  unusualCount = 0;
  /** The proxy's traffic URL, once it has booted and registered. */
  readonly ready: Promise<string>;
  #heapWaiter: ((heapUsed: number) => void) | null = null;

  constructor(child: ChildProcess, options: StartProxyOptions) {
    this.child = child;
    let onReady: (url: string) => void = () => undefined;
    this.ready = new Promise((resolve) => {
      onReady = resolve;
    });
    child.on('message', (m: { type?: string; line?: string; heapUsed?: number; url?: string }) => {
      if (m.type === 'ready') onReady(m.url ?? '');
      if (m.type === 'heap') this.#heapWaiter?.(m.heapUsed ?? NaN);
      if (m.type === 'log' && m.line !== undefined) this.#log(m.line);
    });
    child.send({ type: 'start', options });
  }

  async heapMiB(): Promise<number> {
    const answer = new Promise<number>((resolve) => {
      this.#heapWaiter = resolve;
    });
    this.child.send({ type: 'heap' });
    return (await answer) / 2 ** 20;
  }

  #log(line: string): void {
    this.unusualCount += 1;
    const fields = JSON.parse(line) as Record<string, unknown>;
    const id = fields.requestId;
    if (fields.msg === 'request' && typeof id === 'string') {
      if (this.unusual.size < KEPT) this.unusual.set(id, fields);
    } else if (this.otherLines.length < KEPT) {
      this.otherLines.push(line.trim());
    }
  }
}

/** One proxy decision, as the soak prints it. */
function decision(fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return 'no decision logged for it';
  const pick = ['outcome', 'status', 'detail', 'pattern', 'cacheHit', 'authzMs', 'upstreamMs'].map((k) => `${k}=${JSON.stringify(fields[k] ?? null)}`);
  return `proxy: ${pick.join(' ')}`;
}

async function main(): Promise<void> {
  const { duration, authz } = readArgs();
  const rig = await startGrantingRig('soak', (dir) => startAuthority(authz, dir));
  const proxyOptions: StartProxyOptions = {
    ...rig.authority.proxyOptions,
    policy: rig.policy,
    upstream: rig.backendUrl,
    cacheMax: String(CACHE_MAX),
    oxdPerClient: String(OXD_PER_CLIENT),
    listen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    watchPolicy: false,
  };
  const proxy = new ProxyChild(
    fork(fileURLToPath(new URL('soak-proxy.js', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--expose-gc'] }),
    proxyOptions,
  );
  const pid = proxy.child.pid ?? -1;
  const url = await proxy.ready;
  process.stdout.write(`soak: ${rig.authority.describe}, ${duration} s, ${CONCURRENCY} connections, --cache-max ${CACHE_MAX}\n`);

  const pool = new Pool(url, { connections: CONCURRENCY });
  const statuses = new Map<string, number>();
  /** Answers other than the expected 200/401, by request id (the id the proxy logged). */
  const errors = new Map<string, string>();
  let next = 0;
  let requests = 0;
  const deadline = performance.now() + duration * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const n = next++;
      const rpt = n % 2 === 0 ? `${GRANTING_PREFIX}${n}` : `made-up-${n}`;
      const expected = n % 2 === 0 ? 200 : 401;
      // The proxy keeps a plain client id as its own request id: its log line can be found.
      const requestId = `soak-${n}`;
      let outcome: string;
      try {
        const res = await pool.request({ method: 'GET', path: PROTECTED_PATH, headers: { authorization: `Bearer ${rpt}`, 'x-request-id': requestId } });
        await res.body.dump();
        outcome = res.statusCode === expected ? String(res.statusCode) : `unexpected ${res.statusCode}`;
      } catch (err) {
        outcome = `error ${(err as { code?: string }).code ?? String(err)}`;
      }
      statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      if (outcome !== String(expected) && errors.size < KEPT) errors.set(requestId, `${outcome} (expected ${expected})`);
      requests += 1;
    }
  };

  const samples: Sample[] = [];
  const started = performance.now();
  const sample = async (): Promise<void> => {
    const s: Sample = {
      atSeconds: Math.round((performance.now() - started) / 1000),
      rssMiB: rssMiB(pid),
      heapMiB: await proxy.heapMiB(),
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
  proxy.child.disconnect();
  await once(proxy.child, 'exit');
  await rig.close();

  for (const [id, what] of errors) process.stdout.write(`soak: error: ${id}: ${what} ← ${decision(proxy.unusual.get(id))}\n`);
  for (const [id, fields] of proxy.unusual) if (!errors.has(id)) process.stdout.write(`soak: unusual decision for ${id}: ${decision(fields)}\n`);
  for (const line of proxy.otherLines) process.stdout.write(`soak: proxy said: ${line}\n`);

  // Warm-up is JIT and the bounded caches filling: growth then is expected, so flatness is judged
  // from the third sample on that comes after every cache has filled.
  const warm = samples.findIndex((s, i) => i >= 2 && s.requests >= WARM_REQUESTS);
  const steady = warm < 0 ? [] : samples.slice(warm);
  const first = steady[0];
  if (first === undefined) {
    process.stdout.write(`soak: verdict: FAIL — the load never got past warm-up (${WARM_REQUESTS} requests): run longer (--duration)\n`);
    process.exitCode = 1;
    return;
  }
  const range = (pick: (s: Sample) => number, digits: number): string =>
    `${Math.min(...steady.map(pick)).toFixed(digits)}–${Math.max(...steady.map(pick)).toFixed(digits)}`;
  const third = Math.max(1, Math.floor(steady.length / 3));
  const level = (part: readonly Sample[], pick: (s: Sample) => number): number => median(part.map(pick));
  const early = steady.slice(0, third);
  const late = steady.slice(-third);
  const grew = (what: string, pick: (s: Sample) => number, flat: (from: number) => number, unit: string): string | null => {
    const from = level(early, pick);
    const to = level(late, pick);
    return to > flat(from) ? `${what} grew from a median of ${from.toFixed(1)} to ${to.toFixed(1)}${unit} (first third of the steady samples to the last)` : null;
  };
  const outcomes = [...statuses].map(([k, v]) => `${k}×${v}`).join(' ');
  const failures = [
    grew('RSS', (s) => s.rssMiB, (from) => from * FLAT_RSS_RATIO, ' MiB'),
    grew('heap', (s) => s.heapMiB, (from) => from * FLAT_HEAP_RATIO, ' MiB'),
    grew('descriptors', (s) => s.fds, (from) => from + FLAT_FD_SLACK, ''),
    [...statuses.keys()].some((k) => k !== '200' && k !== '401') ? 'answers other than 200 (granted) and 401 (denied)' : null,
  ].filter((f) => f !== null);
  process.stdout.write(`soak: ${authz}: ${requests} requests in ${duration} s (${Math.round(requests / duration)}/s), ${requests} distinct RPTs, --cache-max ${CACHE_MAX}: ${outcomes}\n`);
  process.stdout.write(`soak: ${authz}: from t=${first.atSeconds}s (caches full): RSS ${range((s) => s.rssMiB, 1)} MiB (median ${level(early, (s) => s.rssMiB).toFixed(1)} in the first third, ${level(late, (s) => s.rssMiB).toFixed(1)} in the last), heap ${range((s) => s.heapMiB, 1)} MiB, fds ${range((s) => s.fds, 0)}; unusual decisions logged: ${proxy.unusualCount}\n`);
  process.stdout.write(`soak: verdict: ${failures.length === 0 ? 'PASS — RSS, heap and descriptors flat; no error besides denials' : `FAIL — ${failures.join('; ')}`}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
