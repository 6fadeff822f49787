import { execFileSync } from 'node:child_process';

/**
 * CLI tests run the real built command (`dist/cli/main.js`, also through `npx umagate`), so the
 * build script — which also marks the bin executable — runs once before any test file starts.
 */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
