/**
 * Memory of cached grants: a fresh process holding the proxy's Authorizer with 100,000 grants
 * (and their RPT-lifetime entries), measured after a full GC. The process also holds Node and the
 * proxy's modules, so its RSS is what a proxy with that many grants needs at least.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchResult } from './types.js';

const GRANTS = 100_000;

interface ChildReport {
  readonly count: number;
  readonly rssMiB: number;
  readonly heapDeltaMiB: number;
  readonly baseRssMiB: number;
}

export async function benchCacheMemory(): Promise<BenchResult> {
  const child = fileURLToPath(new URL('cache-memory-child.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', child, String(GRANTS)]);
  const report = JSON.parse(stdout) as ChildReport;
  return {
    name: `${GRANTS.toLocaleString('en-US')} cached grants: process RSS`,
    baselineLabel: 'same process before',
    baseline: report.baseRssMiB,
    measured: report.rssMiB,
    ratio: report.rssMiB / report.baseRssMiB,
    unit: 'MiB',
    note: `Authorizer + decision cache + RPT-lifetime cache, --cache-max ${GRANTS}; heap +${report.heapDeltaMiB.toFixed(1)} MiB (${((report.heapDeltaMiB * 1024 * 1024) / GRANTS).toFixed(0)} bytes/grant); target ≤ 150 MiB`,
  };
}
