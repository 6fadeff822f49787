/** `umagate serve` as a child process (the built CLI), its JSON log lines captured. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';
import { LogCapture } from '../proxy/harness.js';
import { CLI } from './cli.js';

export interface ServeProcess {
  /** stdout's JSON log lines. */
  readonly logs: LogCapture;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  signal(name: NodeJS.Signals): void;
}

/** Killed at the end of the test if it is still running. */
export function spawnServe(cwd: string, args: readonly string[]): ServeProcess {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  // 'close', not 'exit': it waits for stdout to end too, so every line the process wrote is captured.
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const logs = new LogCapture();
  createInterface({ input: child.stdout }).on('line', (line) => {
    logs.write(`${line}\n`);
  });
  return {
    logs,
    exited,
    signal: (name) => {
      child.kill(name);
    },
  };
}
