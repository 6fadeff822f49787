/**
 * Runs `umagate dev` as a child process, as `npm start` does, collecting its output so a test
 * can wait for the walkthrough and stop the process with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CLI } from '../helpers/cli.js';

export interface DevProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with stdout once it contains `text`; rejects if the process exits first or after `ms`. */
  waitForStdout(text: string, ms: number): Promise<string>;
  /** Resolves with the exit code (a signal death counts as null). */
  exited(): Promise<number | null>;
  /** SIGKILL if still running (teardown). */
  kill(): void;
}

export function spawnDev(args: readonly string[], cwd: string): DevProcess {
  const child = spawn(process.execPath, [CLI, 'dev', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStdout: async (text, ms) => {
      const deadline = Date.now() + ms;
      while (!out.includes(text)) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`umagate dev exited (${child.exitCode ?? child.signalCode ?? ''}) before printing "${text}":\n${out}\n${err}`);
        }
        if (Date.now() > deadline) throw new Error(`umagate dev did not print "${text}" within ${ms} ms:\n${out}\n${err}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return out;
    },
    exited: () => exit,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
