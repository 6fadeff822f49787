/**
 * The runner side of a process under test: start a compiled bench/sut-*.js entry point (pinned
 * when the runner is), wait for it to report its URLs, ask it for CPU time, and stop it — with
 * SIGKILL if it does not stop within the grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Pinning } from './cpu-pinning.js';
import { parseChildMessage, type ChildMessage, type UsageRequest } from './sut-protocol.js';

/** Boot includes the proxy's policy registration with oxd. */
const READY_TIMEOUT_MS = 30_000;
const USAGE_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 5_000;

export interface Sut {
  /** The child's pid (taskset execs node, so it is node's): for `perf record -p` in profile.ts. */
  readonly pid: number;
  readonly info: Readonly<Record<string, string>>;
  /** CPU time (user + system, all threads) the process has used since it started, in µs. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** `entry` is a sibling module name such as 'sut-proxy.js'. */
export async function spawnSut(pinning: Pinning, entry: string, args: readonly string[]): Promise<Sut> {
  const script = fileURLToPath(new URL(entry, import.meta.url));
  const [command, ...leading] = pinning.sutCommand;
  // stdout is the proxy's per-request log: discarded, as a log shipper would take it off-box.
  const child = spawn(command, [...leading, script, ...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const stop = (): Promise<void> => stopChild(child);
  try {
    const ready = await nextMessage(child, READY_TIMEOUT_MS, `${entry} did not become ready`);
    if (ready.type === 'failed') throw new Error(`${entry} failed to start: ${ready.message}`);
    if (ready.type !== 'ready') throw new Error(`${entry} sent ${ready.type} before ready`);
    return {
      pid: child.pid ?? -1,
      info: ready.info,
      async cpuMicros() {
        const request: UsageRequest = { type: 'usage' };
        const answer = nextMessage(child, USAGE_TIMEOUT_MS, `${entry} did not report its CPU usage`);
        child.send(request);
        const usage = await answer;
        if (usage.type !== 'usage') throw new Error(`${entry} answered ${usage.type} to a usage request`);
        return usage.cpuMicros;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function nextMessage(child: ChildProcess, timeoutMs: number, timeoutText: string): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const onMessage = (value: unknown): void => {
      const message = parseChildMessage(value);
      if (message === null) return;
      done();
      resolve(message);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done();
      reject(new Error(`${timeoutText}: it exited (${signal ?? `code ${String(code)}`})`));
    };
    const onError = (err: Error): void => {
      done();
      reject(new Error(`${timeoutText}: ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${timeoutText} within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/**
 * Stops a child process with `signal` (nginx takes SIGQUIT to stop gracefully), SIGKILL if it is
 * still running after the grace period; at once if it has already exited, whose 'exit' will not
 * come again.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Promise.all that waits for every promise before failing: starts run in parallel, and a failed
 * one must not leave the others still starting when the caller's cleanup stops what started.
 * Typed per position, as Promise.all is.
 */
export async function settleAll<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const values: unknown[] = [];
  for (const result of await Promise.allSettled(promises)) {
    if (result.status === 'rejected') throw result.reason;
    values.push(result.value);
  }
  // Promise.allSettled keeps the order, so position K holds T[K].
  return values as unknown as T;
}
