/**
 * Memory of cached grants: a fresh process holding the proxy's Authorizer with 100,000 grants
 * (and their RPT-lifetime entries), measured after a full GC. The process also holds Node and the
 * proxy's modules, so its RSS is what a proxy with that many grants needs at least.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchResult } from './types.js';

/** The target: a process holding this many grants stays within TARGET_RSS_MIB. */
export const TARGET_GRANTS = 100_000;
const TARGET_RSS_MIB = 150;

interface ChildReport {
  readonly count: number;
  readonly rssMiB: number;
  readonly heapDeltaMiB: number;
  readonly baseRssMiB: number;
}

/** Fewer grants than TARGET_GRANTS (a quick run) check the rig only; the note says so. */
export async function benchCacheMemory(grants: number = TARGET_GRANTS): Promise<BenchResult> {
  const child = fileURLToPath(new URL('cache-memory-child.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', child, String(grants)]);
  const report = JSON.parse(stdout) as ChildReport;
  const target =
    grants === TARGET_GRANTS
      ? `target ≤ ${TARGET_RSS_MIB} MiB, ${report.rssMiB <= TARGET_RSS_MIB ? 'met' : 'missed'}`
      : `the target (≤ ${TARGET_RSS_MIB} MiB) is for ${TARGET_GRANTS.toLocaleString('en-US')} grants: not judged here`;
  return {
    name: `${grants.toLocaleString('en-US')} cached grants: process RSS`,
    baselineLabel: 'same process before',
    baseline: report.baseRssMiB,
    measured: report.rssMiB,
    ratio: report.rssMiB / report.baseRssMiB,
    unit: 'MiB',
    note: `Authorizer + decision cache + RPT-lifetime cache, --cache-max ${grants}; heap +${report.heapDeltaMiB.toFixed(1)} MiB (${((report.heapDeltaMiB * 1024 * 1024) / grants).toFixed(0)} bytes/grant); ${target}`,
  };
}
