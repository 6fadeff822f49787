/**
 * One load run with autocannon, in the runner's process — never in a process under test. Every
 * connection keeps its own headers for the whole run (the cache-miss scenario gives each one its
 * own RPT), and latencies are kept at full precision: autocannon's own histogram rounds to whole
 * milliseconds, too coarse for a p99 of a few ms.
 */
import autocannon from 'autocannon';
import { percentileInPlace } from './stats.js';

/** Count bound of one run, far above what 5 s on one core can reach; the duration ends it first. */
const MAX_REQUESTS = 1_000_000;
/** Seconds before autocannon counts a request as timed out. */
const REQUEST_TIMEOUT_SECONDS = 10;

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Headers of every request on connection `index` (0 ≤ index < connections). */
  readonly headersFor: (index: number) => Readonly<Record<string, string>>;
}

export interface LoadResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  /** Wall time of the run, for CPU-utilisation figures. */
  readonly elapsedMs: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies = new Float64Array(MAX_REQUESTS);
  let recorded = 0;
  let nextIndex = 0;
  const started = performance.now();
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    maxOverallRequests: MAX_REQUESTS,
    timeout: REQUEST_TIMEOUT_SECONDS,
    setupClient(client) {
      client.setHeaders({ ...spec.headersFor(nextIndex % spec.connections) });
      nextIndex += 1;
      client.on('response', (_status: number, _bytes: number, ms: number) => {
        if (recorded < MAX_REQUESTS) latencies[recorded++] = ms;
      });
    },
  });
  const elapsedMs = performance.now() - started;
  // A benchmark that counted 401s or resets as throughput would flatter the proxy: refuse it.
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${spec.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts in ${result.requests.total} requests`);
  }
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    p99Ms: percentileInPlace(latencies, recorded, 99),
    elapsedMs,
  };
}
