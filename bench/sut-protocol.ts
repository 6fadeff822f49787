/**
 * The IPC messages between the bench runner (the load generator) and the processes under test.
 * Each side validates what it receives: a child that crashed half-way may send anything.
 */

/** Parent → child: report the CPU time used so far. */
export interface UsageRequest {
  readonly type: 'usage';
}

export type ChildMessage =
  /** Listening; `info` holds the URLs the runner needs (backend, oxd, proxy, admin). */
  | { readonly type: 'ready'; readonly info: Readonly<Record<string, string>> }
  /** process.cpuUsage() user + system, in microseconds, since the child started. */
  | { readonly type: 'usage'; readonly cpuMicros: number }
  | { readonly type: 'failed'; readonly message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isUsageRequest(value: unknown): value is UsageRequest {
  return isRecord(value) && value.type === 'usage';
}

export function parseChildMessage(value: unknown): ChildMessage | null {
  if (!isRecord(value)) return null;
  if (value.type === 'usage' && typeof value.cpuMicros === 'number') return { type: 'usage', cpuMicros: value.cpuMicros };
  if (value.type === 'failed' && typeof value.message === 'string') return { type: 'failed', message: value.message };
  if (value.type === 'ready' && isRecord(value.info)) {
    const info: Record<string, string> = {};
    for (const [key, field] of Object.entries(value.info)) {
      if (typeof field !== 'string') return null;
      info[key] = field;
    }
    return { type: 'ready', info };
  }
  return null;
}
