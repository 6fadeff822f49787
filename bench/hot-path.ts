/**
 * umagate's own per-request work, without sockets: µs per call of the canonicaliser, the header
 * hygiene, the decision log line and the whole request handler (decision, headers, log line,
 * counters; a forwarder that does nothing), best of 5 rounds. The proxy A/B (ab.ts) cannot
 * resolve a change of 1–2 µs on a shared machine; this can. Another build's figures come from
 * its dist/bench-build directory (only its src/ is loaded, so any earlier commit will do).
 *
 *   tsc -p tsconfig.bench.json && node dist/bench-build/bench/hot-path.js [other dist/bench-build dir]
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Policy from '../src/policy/index.js';
import type * as Headers from '../src/proxy/request-headers.js';
import type * as Handler from '../src/proxy/handle-request.js';
import type * as Log from '../src/proxy/logger.js';
import type * as Metrics from '../src/proxy/metrics.js';
import type * as Authorize from '../src/proxy/authorize.js';
import type * as Cache from '../src/proxy/decision-cache.js';
import type * as State from '../src/proxy/policy-state.js';
import type { ServeOptions } from '../src/proxy/options.js';
import { POLICY, PROTECTED_PATH, PUBLIC_PATH } from './proxy-rig.js';

const CALLS = 200_000;
const ROUNDS = 5;
const RPT = `${'a'.repeat(40)}Zx9`;
const SINK = { write: (): void => undefined };

async function load<T>(root: string, path: string): Promise<T> {
  return (await import(pathToFileURL(resolve(root, path)).href)) as T;
}

/** Best µs per call over the rounds (the least disturbed by the rest of the machine). */
function best(call: () => unknown): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < CALLS; i++) call();
    fastest = Math.min(fastest, ((performance.now() - started) * 1000) / CALLS);
  }
  return fastest;
}

function rawRequest(path: string, withRpt: boolean): { raw: string[]; headers: Record<string, string>; path: string } {
  const raw = ['Host', '127.0.0.1:34567', 'Connection', 'keep-alive', 'User-Agent', 'bench', ...(withRpt ? ['Authorization', `Bearer ${RPT}`] : [])];
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) headers[(raw[i] ?? '').toLowerCase()] = raw[i + 1] ?? '';
  return { raw, headers, path };
}

async function handlerCall(root: string, scenario: 'public' | 'hit'): Promise<() => void> {
  const handler = await load<typeof Handler>(root, 'src/proxy/handle-request.js');
  const log = await load<typeof Log>(root, 'src/proxy/logger.js');
  const { ProxyMetrics } = await load<typeof Metrics>(root, 'src/proxy/metrics.js');
  const { Authorizer } = await load<typeof Authorize>(root, 'src/proxy/authorize.js');
  const cacheModule = await load<typeof Cache>(root, 'src/proxy/decision-cache.js');
  const { compileState } = await load<typeof State>(root, 'src/proxy/policy-state.js');
  const { parsePolicy } = await load<typeof Policy>(root, 'src/policy/index.js');
  const metrics = new ProxyMetrics();
  const cache = new cacheModule.DecisionCache({ max: 100, now: () => performance.now() });
  const parts = { tokenHash: cacheModule.hashToken(RPT), method: 'GET', pattern: PROTECTED_PATH, generation: 1 };
  // Builds before DecisionCache.key made the key with a free function, decisionKey.
  const older = cacheModule as unknown as { readonly decisionKey?: (p: typeof parts) => string };
  cache.storeGrant(older.decisionKey?.(parts) ?? cache.key(parts), 1e9);
  const authorizer = new Authorizer({
    backend: { service: 'oxd', check: () => Promise.reject(new Error('the bench grants from the cache only')), clear: () => undefined },
    repairRegistration: () => Promise.resolve(),
    cache,
    cacheTtlMs: 60_000,
    metrics,
  });
  const state = compileState(parsePolicy(POLICY, 'bench policy'), 1, 'bench');
  const deps: Handler.HandlerDeps = {
    options: { trustProxy: [], passCredentials: 'pass' } as unknown as ServeOptions,
    context: () => ({ state, registered: true, authorizer, retryAfterSeconds: 1 }),
    forwarder: { web: () => undefined, ws: () => undefined, close: () => undefined },
    metrics,
    decisionLog: log.decisionLog(log.createLogger('info', SINK)),
    onResponseClosed: () => undefined,
  };
  const request = rawRequest(scenario === 'hit' ? PROTECTED_PATH : PUBLIC_PATH, scenario === 'hit');
  const socket = { remoteAddress: '127.0.0.1', destroyed: false };
  return () => {
    const req = { method: 'GET', url: request.path, headers: { ...request.headers }, rawHeaders: request.raw, socket, httpVersion: '1.1' } as unknown as IncomingMessage;
    const res = Object.assign(new EventEmitter(), { statusCode: 200, setHeader: () => undefined }) as unknown as ServerResponse;
    void handler.handleHttp(deps, req, res);
    res.emit('close');
  };
}

async function main(): Promise<void> {
  const root = process.argv[2] ?? resolve(fileURLToPath(import.meta.url), '../..');
  const policy = await load<typeof Policy>(root, 'src/policy/index.js');
  const headers = await load<typeof Headers>(root, 'src/proxy/request-headers.js');
  const log = await load<typeof Log>(root, 'src/proxy/logger.js');
  const request = rawRequest(PROTECTED_PATH, true);
  const context = { trustedPeer: false, peerAddress: '127.0.0.1', passCredentials: 'pass', requestId: 'bench', upgrade: false } as const;
  const decisionLog = log.decisionLog(log.createLogger('info', SINK));
  // Twelve fields in either build (an older one called authzMs oxdMs, and writes whatever it is given).
  const line: Log.DecisionLine = { requestId: 'bench', generation: 1, method: 'GET', path: PROTECTED_PATH, reading: PROTECTED_PATH, pattern: PROTECTED_PATH, outcome: 'granted', status: 200, cacheHit: true, authzMs: 0, upstreamMs: 1, detail: null };
  const rows: [string, number][] = [
    ['canonicalise /photo/albums', best(() => policy.canonicalizeTarget('/photo/albums'))],
    ['header hygiene (framing, Host, RPT, upstream headers)', best(() => [headers.framingProblem('GET', request.headers), headers.hostProblem(request.raw), headers.readRpt(request.raw), headers.upstreamHeaders(request.headers, context)])],
    ['decision log line', best(() => {
      decisionLog('info', line);
    })],
    ['whole handler, public path', best(await handlerCall(root, 'public'))],
    ['whole handler, cache hit', best(await handlerCall(root, 'hit'))],
  ];
  console.log(`${root}: µs per call, best of ${ROUNDS} rounds of ${CALLS}`);
  for (const [name, micros] of rows) console.log(`  ${name}: ${micros.toFixed(2)}`);
}

main().catch((err: unknown) => {
  console.error('hot-path failed:', err);
  process.exitCode = 1;
});
