import { execFileSync } from 'node:child_process';

/**
 * The tests about what only a process shows (serve draining on SIGTERM, `umagate dev`) run the
 * built command `dist/cli/main.js`, so the build script — which also marks the bin
 * executable — runs once before any test file starts.
 */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
