import { readFileSync } from 'node:fs';

/**
 * The version in umagate's package.json. The module runs from src/ (tests), dist/ (the CLI and
 * the image) or dist/bench-build/src/ (benchmarks), so the manifest is looked for upwards rather
 * than at a fixed relative path.
 */
export function packageVersion(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const manifest = readManifest(new URL('package.json', dir));
    if (manifest?.name === 'umagate') return manifest.version;
    if (dir.pathname === '/') return '0.0.0';
  }
}

function readManifest(url: URL): { name: string; version: string } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(url, 'utf8'));
  } catch {
    return null; // absent or unreadable: keep looking further up
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { name, version } = parsed as Record<string, unknown>;
  return typeof name === 'string' && typeof version === 'string' ? { name, version } : null;
}
