/**
 * How far V8 lets the heap grow past what a collection left alive, for the processes that serve
 * traffic (`umagate serve` and its cluster workers; never set by the library for its host).
 *
 * Every request that waits for oxd or the backend outlives a scavenge or two, so its objects are
 * promoted and die in the old generation. Left to its own heuristic, V8 then let the old
 * generation grow to about 190 MB between collections for 44 MB alive with 100,000 cached grants
 * (BENCHMARKS.md, the memory row), and RSS followed. A fixed growth of 20 % collects sooner:
 * that process stayed at about 155 MiB. V8 reads the factor at every heap-limit computation, so
 * setting it once the process runs takes effect.
 */
import { setFlagsFromString } from 'node:v8';

const HEAP_GROWING_PERCENT = 20;

export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
