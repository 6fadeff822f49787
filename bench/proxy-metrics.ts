/**
 * Counters read from a proxy's /metrics, to check what a scenario really measured: how many oxd
 * calls each request caused (cache hit: 0; cache miss: 1 — not fewer through coalescing).
 */

export interface ProxyCounters {
  /** umagate_requests_total, all outcomes. */
  readonly requests: number;
  /** umagate_oxd_call_duration_seconds_count, all commands and results. */
  readonly oxdCalls: number;
}

function sumOf(text: string, metric: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

export async function readCounters(adminUrl: string): Promise<ProxyCounters> {
  const res = await fetch(`${adminUrl}/metrics`);
  if (!res.ok) throw new Error(`${adminUrl}/metrics answered ${res.status}`);
  const text = await res.text();
  return { requests: sumOf(text, 'umagate_requests_total'), oxdCalls: sumOf(text, 'umagate_oxd_call_duration_seconds_count') };
}
