/**
 * Counters read from a proxy's /metrics, to check what a scenario really measured: how many
 * calls to the service that decides (oxd, or the AS in direct mode) each request caused — cache
 * hit: 0; cache miss: at most 1, fewer where identical misses were coalesced; direct mode with
 * `--rpt-verify jwt`: 0 — and, for the AS, which endpoints they went to with what result; and
 * the decision-cache hits, to check that a grant is still cached.
 */

export interface ProxyCounters {
  /** umagate_requests_total, all outcomes. */
  readonly requests: number;
  /** umagate_oxd_call_duration_seconds_count, all commands and results. */
  readonly oxdCalls: number;
  /** umagate_as_call_duration_seconds_count by "endpoint result" (e.g. "introspection ok"). */
  readonly asCalls: ReadonlyMap<string, number>;
  /** umagate_decision_cache_lookups_total{result="hit"}. */
  readonly cacheHits: number;
}

/** Each sample of `metric` with its labels, e.g. `{endpoint="introspection",result="ok"} 12`. */
function samplesOf(text: string, metric: string): { labels: Record<string, string>; value: number }[] {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    const labels: Record<string, string> = {};
    for (const m of line.slice(metric.length, line.lastIndexOf(' ')).matchAll(/(\w+)="([^"]*)"/g)) labels[m[1] ?? ''] = m[2] ?? '';
    samples.push({ labels, value });
  }
  return samples;
}

const sum = (samples: readonly { value: number }[]): number => samples.reduce((total, s) => total + s.value, 0);

export async function readCounters(adminUrl: string): Promise<ProxyCounters> {
  const res = await fetch(`${adminUrl}/metrics`);
  if (!res.ok) throw new Error(`${adminUrl}/metrics answered ${res.status}`);
  const text = await res.text();
  const asCalls = new Map<string, number>();
  for (const { labels, value } of samplesOf(text, 'umagate_as_call_duration_seconds_count')) {
    const key = `${labels.endpoint ?? '?'} ${labels.result ?? '?'}`;
    asCalls.set(key, (asCalls.get(key) ?? 0) + value);
  }
  return {
    requests: sum(samplesOf(text, 'umagate_requests_total')),
    oxdCalls: sum(samplesOf(text, 'umagate_oxd_call_duration_seconds_count')),
    asCalls,
    cacheHits: sum(samplesOf(text, 'umagate_decision_cache_lookups_total').filter((s) => s.labels.result === 'hit')),
  };
}
