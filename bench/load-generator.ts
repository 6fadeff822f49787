/**
 * The load generator of `npm run bench`: wrk (a C load generator, Debian package `wrk`) where it
 * is installed or installable, else autocannon in this process. wrk's own client costs far less
 * CPU per request than a Node one, which matters when it shares the machine with what it loads.
 * Either way: p50 / p99 / p99.9 and every error counted (non-2xx answers included), never thrown.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { percentileInPlace } from './stats.js';
import { ensureDebianTool } from './tools.js';

const run = promisify(execFile);

export interface LoadRun {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** Bearer tokens sent in turn, one per request (none: no Authorization header). */
  readonly tokens: readonly string[];
}

export interface LoadFigures {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** Connection errors, timeouts and non-2xx answers. */
  readonly errors: number;
}

export interface LoadGenerator {
  /** What the table says measured the load, e.g. "wrk 4.1.0, 1 thread". */
  readonly name: string;
  run(spec: LoadRun): Promise<LoadFigures>;
}

// Lua for wrk: tokens in turn, and the figures on one line wrk's own report cannot give (p99.9).
const WRK_SCRIPT = `
local tokens = {TOKENS}
local i = 0
request = function()
  if #tokens == 0 then return wrk.format(nil, nil) end
  i = i + 1
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1] })
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("UMAGATE-BENCH %d %d %d %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
`;

function wrkGenerator(path: string, version: string): LoadGenerator {
  return {
    name: `wrk ${version}, 1 thread`,
    async run(spec) {
      const dir = await mkdtemp(join(tmpdir(), 'umagate-wrk-'));
      try {
        const script = join(dir, 'bench.lua');
        await writeFile(script, WRK_SCRIPT.replace('{TOKENS}', `{${spec.tokens.map((t) => JSON.stringify(t)).join(', ')}}`));
        const args = ['-t1', `-c${spec.connections}`, `-d${spec.seconds}s`, '--timeout', '10s', '-s', script, spec.url];
        const { stdout } = await run(path, args, { maxBuffer: 1024 * 1024 });
        const line = stdout.split('\n').find((l) => l.startsWith('UMAGATE-BENCH '));
        if (line === undefined) throw new Error(`wrk printed no figures:\n${stdout}`);
        const [requests = 0, durationMicros = 1, connect = 0, read = 0, write = 0, status = 0, timeout = 0, p50 = 0, p99 = 0, p999 = 0] = line.split(' ').slice(1).map(Number);
        return {
          requests,
          requestsPerSecond: requests / (durationMicros / 1e6),
          p50Ms: p50 / 1000,
          p99Ms: p99 / 1000,
          p999Ms: p999 / 1000,
          errors: connect + read + write + status + timeout,
        };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Count bound of one autocannon run, far above what a few seconds can reach. */
const MAX_REQUESTS = 2_000_000;

const autocannonGenerator: LoadGenerator = {
  name: 'autocannon (in the runner process)',
  async run(spec) {
    // Loaded only when wrk is missing: it is a large module to load at every start.
    const { default: autocannon } = await import('autocannon');
    const latencies = new Float64Array(MAX_REQUESTS);
    let recorded = 0;
    let next = 0;
    const result = await autocannon({
      url: spec.url,
      connections: spec.connections,
      duration: spec.seconds,
      maxOverallRequests: MAX_REQUESTS,
      timeout: 10,
      setupClient(client) {
        // autocannon fixes headers per connection: each connection keeps one of the tokens.
        const token = spec.tokens[next++ % Math.max(1, spec.tokens.length)];
        if (token !== undefined) client.setHeaders({ authorization: `Bearer ${token}` });
        client.on('response', (_status: number, _bytes: number, ms: number) => {
          if (recorded < MAX_REQUESTS) latencies[recorded++] = ms;
        });
      },
    });
    const p = (q: number): number => percentileInPlace(latencies, recorded, q);
    return {
      requests: result.requests.total,
      requestsPerSecond: result.requests.total / result.duration,
      p50Ms: p(50),
      p99Ms: p(99),
      p999Ms: p(99.9),
      errors: result.non2xx + result.errors + result.timeouts,
    };
  },
};

/** wrk when it can be had; otherwise autocannon, and why. */
export async function pickLoadGenerator(): Promise<{ generator: LoadGenerator; note: string }> {
  const wrk = ensureDebianTool('wrk', 'wrk');
  if (!wrk.found) return { generator: autocannonGenerator, note: `autocannon, because ${wrk.reason}` };
  // `wrk -v` prints its version, then its usage, and exits 1.
  const { stdout, stderr } = await run(wrk.path, ['-v']).catch((err: unknown) => ({
    stdout: typeof err === 'object' && err !== null && 'stdout' in err ? String(err.stdout) : '',
    stderr: typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr) : '',
  }));
  const version = /wrk (?:debian\/)?(\d[\w.]*)/.exec(stdout + stderr)?.[1] ?? '(unknown version)';
  return { generator: wrkGenerator(wrk.path, version), note: `wrk ${version}` };
}
