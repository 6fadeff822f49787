/**
 * Runs an example the way its README says: the README's ```sh commands are read and each is
 * mapped to what the test does with it, so a README edit that the test does not know fails.
 * The sandbox runs with every port free (0), and the examples get the URLs it printed.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnLogged, type LoggedProcess } from '../helpers/child-process.js';
import { spawnDev } from '../sandbox/dev-process.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FREE_PORTS = ['--port', '0', '--admin-port', '0', '--oxd-port', '0', '--oxd-socket-port', '0'];
/** Installing and building are done once for the whole suite (global setup); these lines are checked, not rerun. */
const SETUP = 'npm ci && npm run build';
const SANDBOX = 'node dist/cli/main.js dev';

/** The commands of an example README's ```sh blocks, comments dropped. */
export async function readmeCommands(example: string): Promise<string[]> {
  const text = await readFile(join(ROOT, 'examples', example, 'README.md'), 'utf8');
  return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)]
    .flatMap((m) => (m[1] ?? '').split('\n'))
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export interface Sandbox {
  /** The proxy, e.g. http://127.0.0.1:41234 */
  readonly proxyUrl: string;
  /** The dev oxd's REST base URL with a trailing slash (OXD_URL of the examples). */
  readonly oxdUrl: string;
  close(): Promise<void>;
}

/** Starts `umagate dev` (SANDBOX plus `extra` flags) on free ports in a scratch directory. */
export async function startSandbox(command: string, extra: readonly string[] = []): Promise<Sandbox> {
  if (command !== SANDBOX) throw new Error(`expected the README to start the sandbox with "${SANDBOX}", found "${command}"`);
  const dir = await mkdtemp(join(tmpdir(), 'umagate-example-'));
  await copyFile(join(ROOT, 'policies.yaml'), join(dir, 'policies.yaml'));
  const dev = spawnDev([...FREE_PORTS, ...extra], dir);
  const out = await dev.waitForStdout('Stop with Ctrl-C', 60_000).catch(async (error: unknown) => {
    dev.kill();
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const url = (label: string): string => {
    const found = new RegExp(`^ {2}${label}\\s+(http://\\S+)`, 'm').exec(out)?.[1];
    if (found === undefined) throw new Error(`the sandbox printed no ${label} URL:\n${out}`);
    return found;
  };
  return {
    proxyUrl: url('proxy'),
    oxdUrl: `${url('dev oxd')}/`,
    close: async () => {
      dev.child.kill('SIGTERM');
      await dev.exited();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Checks the README's setup line (run once for the suite by the global setup). */
export function checkSetup(command: string | undefined): void {
  if (command !== SETUP) throw new Error(`expected the README's first command to be "${SETUP}", found "${command ?? 'none'}"`);
}

/** Runs one README command line in the repository root with `env` added. */
export function runCommand(command: string, env: NodeJS.ProcessEnv = {}): LoggedProcess {
  return spawnLogged(command, 'bash', ['-c', command], { cwd: ROOT, env });
}

/** The URL an example prints as "… http://127.0.0.1:PORT/ …". */
export async function printedUrl(process: LoggedProcess, ms = 30_000): Promise<string> {
  const out = await process.waitForStdout(/http:\/\/127\.0\.0\.1:\d+\//, ms);
  return /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0] ?? '';
}

/** SIGTERM, then wait for the exit. */
export async function stop(process: LoggedProcess): Promise<void> {
  if (process.child.exitCode !== null || process.child.signalCode !== null) return;
  process.child.kill('SIGTERM');
  await process.exited();
}
