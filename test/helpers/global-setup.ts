import { execFileSync } from 'node:child_process';

/**
 * CLI tests run the real built command (`node dist/cli/main.js`), so the build is brought
 * up to date once before any test file starts.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
