/**
 * The child side of a process under test: start the servers, tell the runner where they listen,
 * answer CPU-usage queries, and stop on SIGTERM — or by itself when the runner goes away or the
 * lifetime cap passes, so no bench run can leave a server behind.
 */
import { isUsageRequest, type ChildMessage } from './sut-protocol.js';

/** No bench run lasts this long; a child still alive then was forgotten. */
const MAX_LIFETIME_MS = 10 * 60_000;

export interface StartedSut {
  readonly info: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) resolve();
    else process.send(message, () => { resolve(); });
  });
}

export function serveChild(start: () => Promise<StartedSut>): void {
  if (process.send === undefined) throw new Error('a bench child must be started by the bench runner (it needs an IPC channel)');
  let stopping = false;
  let started: StartedSut | null = null;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void (started?.close() ?? Promise.resolve()).finally(() => {
      // Closing the channel lets the process end by itself once the servers are closed.
      if (process.connected) process.disconnect();
    });
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  setTimeout(stop, MAX_LIFETIME_MS).unref();
  process.on('message', (message: unknown) => {
    if (!isUsageRequest(message)) return;
    const usage = process.cpuUsage();
    void send({ type: 'usage', cpuMicros: usage.user + usage.system });
  });
  start().then(
    async (sut) => {
      started = sut;
      if (stopping) await sut.close();
      else await send({ type: 'ready', info: sut.info });
    },
    async (err: unknown) => {
      await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
      stop();
    },
  );
}
