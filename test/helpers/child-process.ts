/**
 * A child process whose output is collected, so a test can wait for a line it prints and stop it
 * with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface LoggedProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with stdout once it contains `text`; rejects if the process exits first or after `ms`. */
  waitForStdout(text: string | RegExp, ms: number): Promise<string>;
  /** Resolves with the exit code (a signal death counts as null). */
  exited(): Promise<number | null>;
  /** SIGKILL if still running (teardown). */
  kill(): void;
}

export function spawnLogged(name: string, file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): LoggedProcess {
  const child = spawn(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const printed = (text: string | RegExp): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStdout: async (text, ms) => {
      const deadline = Date.now() + ms;
      while (!printed(text)) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${name} exited (${child.exitCode ?? child.signalCode ?? ''}) before printing "${String(text)}":\n${out}\n${err}`);
        }
        if (Date.now() > deadline) throw new Error(`${name} did not print "${String(text)}" within ${ms} ms:\n${out}\n${err}`);
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
