/**
 * Resident memory and CPU time of a process and all its descendants (cluster workers, nginx
 * workers), or of one process alone, from /proc: the same reading for Node and nginx alike.
 */
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

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** User + system CPU time in µs (fields 14 and 15, counted after the parenthesised name); NaN if unreadable. */
function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

function sumOverTree(pid: number, read: (pid: number) => number): number {
  let total = 0;
  const pending = [pid];
  for (let guard = 0; pending.length > 0 && guard < 1_000; guard++) {
    const next = pending.pop();
    if (next === undefined) break;
    total += read(next);
    pending.push(...childrenOf(next));
  }
  return total;
}

/** One process's resident memory in MiB, its children not counted; NaN where /proc cannot tell it. */
export function rssMiB(pid: number): number {
  const kib = rssKiB(pid);
  return kib === 0 ? Number.NaN : kib / 1024;
}

/** MiB; NaN where /proc is not available. */
export function treeRssMiB(pid: number): number {
  const total = sumOverTree(pid, rssKiB);
  return total === 0 ? Number.NaN : total / 1024;
}

/**
 * CPU time used so far by the live processes of the tree, in µs; NaN without /proc. A process
 * that has not yet used a clock tick (an idle nginx master and its fresh workers) reads 0.
 */
export function treeCpuMicros(pid: number): number {
  if (Number.isNaN(cpuMicros(pid))) return Number.NaN;
  // A child that exits between listing and reading adds nothing rather than NaN.
  return sumOverTree(pid, (p) => cpuMicros(p) || 0);
}
