/** Resident memory of a process and all its descendants (cluster workers, nginx workers), from /proc. */
import { readFileSync } from 'node:fs';

function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return tasks.split(' ').filter((t) => t.trim() !== '').map(Number);
  } catch {
    return [];
  }
}

/** MiB; NaN where /proc is not available. */
export function treeRssMiB(pid: number): number {
  let total = 0;
  const pending = [pid];
  for (let guard = 0; pending.length > 0 && guard < 1_000; guard++) {
    const next = pending.pop();
    if (next === undefined) break;
    total += rssKiB(next);
    pending.push(...childrenOf(next));
  }
  return total === 0 ? Number.NaN : total / 1024;
}
