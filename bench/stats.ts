/** Small order statistics for the bench runs. */

/** The middle value (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/** Nearest-rank percentile (0 < p ≤ 100) of the first `count` values; sorts that part in place. */
export function percentileInPlace(values: Float64Array, count: number, p: number): number {
  if (count === 0) return Number.NaN;
  const part = values.subarray(0, count).sort();
  return part[Math.max(0, Math.ceil((p / 100) * count) - 1)] ?? Number.NaN;
}
