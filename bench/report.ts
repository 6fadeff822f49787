/** The markdown `npm run bench` prints and BENCHMARKS.md quotes: the rows, their ratios, the targets. */
import type { AuthzCalls, ProxyBenchResult, ProxyRow } from './proxy.js';

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');

type Figures = NonNullable<ProxyRow['figures']>;

function figuresOf(result: ProxyBenchResult, key: string): Figures | null {
  return result.rows.find((r) => r.key === key)?.figures ?? null;
}

/** "oxd calls/request 0.09", or for the AS with where they went: "AS calls/request 0.31 (introspection ok 0.31)". */
function callsNote(calls: AuthzCalls): string {
  const kinds = [...calls.byKind].map(([kind, perRequest]) => `${kind} ${fixed(perRequest, 2)}`);
  return `${calls.service} calls/request ${fixed(calls.perRequest, 2)}${kinds.length === 0 ? '' : ` (${kinds.join(', ')})`}`;
}

/** Row-specific comparisons: `row` against the figures of another row of the same run. */
function comparisons(result: ProxyBenchResult, row: ProxyRow, f: Figures): string[] {
  const other = (key: string): Figures | null => figuresOf(result, key);
  const times = (key: string, label: string): string[] => {
    const base = other(key);
    return base === null ? [] : [`${fixed(f.requestsPerSecond / base.requestsPerSecond, 2)}× ${label}`];
  };
  const bare = other('bare');
  switch (row.key) {
    case 'hit':
    case 'public':
      return bare === null ? [] : [`p99 ${fixed(f.p99Ms - bare.p99Ms, 2)} ms over bare`, `CPU/request ${fixed(f.cpuMicrosPerRequest / bare.cpuMicrosPerRequest, 2)}× bare`];
    case 'hit-auto':
      return [...times('hit', '--workers 1'), ...times('nginx-auto', 'nginx with as many workers')];
    case 'uma2-hit':
      return times('hit', 'the oxd-mode cache hit');
    case 'uma2-hit-auto':
      return [...times('uma2-hit', '--workers 1'), ...times('hit-auto', 'the oxd-mode cache hit with as many workers')];
    case 'uma2-miss':
    case 'uma2-miss-jwt':
      return times('miss', 'the oxd-mode cache miss');
    default:
      return [];
  }
}

export function proxyTable(result: ProxyBenchResult): string {
  const bare = figuresOf(result, 'bare');
  const lines = [
    '| row | req/s | × bare http-proxy | CPU µs/req | upstream CPU µs/req | p50 ms | p99 ms | p99.9 ms | errors | RSS MiB | note |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of result.rows) {
    const f = row.figures;
    if (f === null) {
      lines.push(`| ${row.name} | – | – | – | – | – | – | – | – | – | skipped: ${row.skipped ?? 'no figures'} |`);
      continue;
    }
    const stalled = f.runs.some((r) => r === 0) ? ['a round completed no request (its server stalled): rerun'] : [];
    const notes = [`runs ${f.runs.map(thousands).join(' / ')} req/s`, ...stalled, ...(f.calls === null ? [] : [callsNote(f.calls)]), ...comparisons(result, row, f)];
    const ratio = bare === null ? '–' : `${fixed(f.requestsPerSecond / bare.requestsPerSecond, 2)}×`;
    lines.push(`| ${row.name} | ${thousands(f.requestsPerSecond)} | ${ratio} | ${fixed(f.cpuMicrosPerRequest, 0)} | ${fixed(f.upstreamCpuMicrosPerRequest, 0)} | ${fixed(f.p50Ms, 2)} | ${fixed(f.p99Ms, 2)} | ${fixed(f.p999Ms, 2)} | ${f.errors} | ${fixed(f.rssMiB, 0)} | ${notes.join('; ')} |`);
  }
  return lines.join('\n');
}

interface Target {
  readonly what: string;
  readonly value: number | null;
  readonly goal: string;
  readonly met: (value: number) => boolean;
  readonly digits: number;
  readonly unit: string;
}

export function targetLines(result: ProxyBenchResult): string {
  const f = (key: string): Figures | null => figuresOf(result, key);
  const ratio = (a: string, b: string): number | null => {
    const x = f(a);
    const y = f(b);
    return x === null || y === null ? null : x.requestsPerSecond / y.requestsPerSecond;
  };
  const callsPerRequest = (key: string): number | null => f(key)?.calls?.perRequest ?? null;
  const hit = f('hit');
  const bare = f('bare');
  const targets: Target[] = [
    { what: 'cache hit ÷ bare http-proxy', value: ratio('hit', 'bare'), goal: '≥ 0.95', met: (v) => v >= 0.95, digits: 2, unit: '×' },
    { what: 'public path ÷ bare http-proxy', value: ratio('public', 'bare'), goal: '≥ 0.97', met: (v) => v >= 0.97, digits: 2, unit: '×' },
    { what: 'cache hit p99 − bare p99', value: hit === null || bare === null ? null : hit.p99Ms - bare.p99Ms, goal: '≤ 0.5 ms', met: (v) => v <= 0.5, digits: 2, unit: ' ms' },
    { what: 'cache hit --workers auto ÷ nginx, as many workers', value: ratio('hit-auto', 'nginx-auto'), goal: '≥ 0.6', met: (v) => v >= 0.6, digits: 2, unit: '×' },
    // One call per new (RPT, rule) at most: identical misses in flight share one call.
    { what: 'cache miss: oxd calls per request', value: callsPerRequest('miss'), goal: '≤ 1', met: (v) => v <= 1, digits: 2, unit: '' },
    { what: 'direct mode cache miss, introspection: AS calls per request', value: callsPerRequest('uma2-miss'), goal: '≤ 1', met: (v) => v <= 1, digits: 2, unit: '' },
    // Exactly zero: the JWKS is fetched at registration, so any call during the row is a miss.
    { what: 'direct mode cache miss, --rpt-verify jwt: AS calls per request', value: callsPerRequest('uma2-miss-jwt'), goal: '0', met: (v) => v === 0, digits: 2, unit: '' },
  ];
  const cpu = (key: string): string => {
    const x = f(key);
    return x === null || bare === null ? 'not measured' : `${fixed(x.cpuMicrosPerRequest / bare.cpuMicrosPerRequest, 2)}×`;
  };
  const context = `- for context, proxy CPU per request ÷ bare http-proxy's (steadier than throughput on a busy machine): public path ${cpu('public')}, cache hit ${cpu('hit')}, direct-mode cache hit ${cpu('uma2-hit')}`;
  return [
    ...targets.map((t) => `- ${t.what}: ${t.value === null ? 'not measured' : `${fixed(t.value, t.digits)}${t.unit}`} (target ${t.goal}${t.value === null ? '' : t.met(t.value) ? ', met' : ', missed'})`),
    context,
  ].join('\n');
}
