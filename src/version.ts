import { readFileSync } from 'node:fs';

/** The version in package.json, read once at start-up (from src/ in tests, dist/ when built: both sit one level below the root). */
export function packageVersion(): string {
  const url = new URL('../package.json', import.meta.url);
  const pkg: unknown = JSON.parse(readFileSync(url, 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0';
}
