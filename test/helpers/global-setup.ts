import { execFileSync } from 'node:child_process';

import { randomInt } from 'node:crypto';
import { PORT_SEED_ENV } from './restartable-port.js';

/**
 * The tests about what only a process shows (serve draining on SIGTERM, `umagate dev`) run the
 * built command `dist/cli/main.js`, so the build script — which also marks the bin
 * executable — runs once before any test file starts. It also picks where this run's
 * restartable ports start, which every worker process inherits.
 */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  process.env[PORT_SEED_ENV] ??= String(randomInt(1_000_000));
}
