/** Runs `umagate dev` as a child process, as `npm start` does. */
import { CLI } from '../helpers/cli.js';
import { spawnLogged, type LoggedProcess } from '../helpers/child-process.js';

export type DevProcess = LoggedProcess;

export function spawnDev(args: readonly string[], cwd: string): DevProcess {
  return spawnLogged('umagate dev', process.execPath, [CLI, 'dev', ...args], { cwd });
}
