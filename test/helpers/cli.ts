import { fileURLToPath } from 'node:url';
import { CommanderError, type Command } from 'commander';
import { vi } from 'vitest';
import { createProgram } from '../../src/cli/program.js';

/** The built command, for tests about what only a process shows: signals, a server's exit. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Commander exits the process on --help and usage errors; in-process it must throw instead. */
function throwInsteadOfExit(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) throwInsteadOfExit(sub);
}

let running = false;

/**
 * Runs the same command tree in this process, for tests about what a command prints: stdout,
 * stderr and the exit code it sets, as a process would show them, without a process start per
 * call. `cwd` and `env` apply for the call only. Calls must not overlap (they share the process's
 * streams), which vitest guarantees within a file.
 */
export async function callCli(args: readonly string[], options: { cwd?: string; env?: Readonly<Record<string, string>> } = {}): Promise<CliResult> {
  if (running) throw new Error('callCli: calls overlap; await each one');
  running = true;
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array): boolean => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const cwd = process.cwd();
  const savedExitCode = process.exitCode;
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(capture(out));
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(capture(err));
  try {
    process.exitCode = undefined;
    if (options.cwd !== undefined) process.chdir(options.cwd);
    for (const [name, value] of Object.entries(options.env ?? {})) vi.stubEnv(name, value);
    const program = createProgram();
    throwInsteadOfExit(program);
    try {
      await program.parseAsync(['node', 'umagate', ...args]);
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error;
      return { code: error.exitCode, stdout: out.join(''), stderr: err.join('') };
    }
    return { code: typeof process.exitCode === 'number' ? process.exitCode : 0, stdout: out.join(''), stderr: err.join('') };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
    vi.unstubAllEnvs();
    process.chdir(cwd);
    process.exitCode = savedExitCode;
    running = false;
  }
}
