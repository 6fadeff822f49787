import { readFileSync } from 'node:fs';

/** The version in package.json, read once at start-up (the CLI runs from dist/cli/). */
export function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg: unknown = JSON.parse(readFileSync(url, 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0';
}
