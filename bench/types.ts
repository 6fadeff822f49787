/**
 * One benchmark figure. Benchmarks report a ratio against a baseline measured in the same
 * process run, never an absolute time alone: absolute times say more about the machine.
 */
export interface BenchResult {
  readonly name: string;
  /** What the figure is compared with, e.g. "10 resources" or "direct to backend". */
  readonly baselineLabel: string;
  readonly baseline: number;
  readonly measured: number;
  /** measured / baseline, in the unit's natural direction (documented per benchmark in `note`). */
  readonly ratio: number;
  readonly unit: string;
  readonly note: string;
}
