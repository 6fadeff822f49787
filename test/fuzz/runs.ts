/**
 * How hard the fuzz properties push. CI runs a bounded number of cases so the suite stays fast;
 * `npm run test:fuzz` raises it (FUZZ_RUNS) for a longer hunt. A failure prints fast-check's seed
 * and path, so any counterexample can be replayed exactly.
 */
const DEFAULT_RUNS = 300;

export function fuzzRuns(scale = 1): number {
  const fromEnv = Number(process.env['FUZZ_RUNS']);
  const base = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_RUNS;
  return Math.max(1, Math.round(base * scale));
}

/** A longer hunt needs a longer deadline than the suite's default; CI's bounded runs fit in it. */
export function fuzzTimeout(): number {
  return Math.max(20_000, fuzzRuns() * 20);
}
