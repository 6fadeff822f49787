/**
 * Debian tools the bench compares against or loads with (wrk, nginx): found on PATH, else
 * installed with apt-get (root and apt needed, as on CI machines), else reported missing with
 * the reason, so the run prints why a row is skipped instead of failing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { progress } from './progress.js';

export type ToolLookup = { readonly found: true; readonly path: string } | { readonly found: false; readonly reason: string };

function which(binary: string): string | null {
  // nginx lives in /usr/sbin, which a non-login PATH may lack.
  const found = spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${binary}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : null;
}

function aptInstall(debianPackage: string): string | null {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): void => {
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', debianPackage], { stdio: ['ignore', 'ignore', 'pipe'], env });
  };
  try {
    install();
    return null;
  } catch {
    // A fresh machine has no package lists yet.
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'pipe'], env });
      install();
      return null;
    } catch (err) {
      return err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
    }
  }
}

export function ensureDebianTool(binary: string, debianPackage: string): ToolLookup {
  const existing = which(binary);
  if (existing !== null) return { found: true, path: existing };
  if (process.getuid?.() !== 0) return { found: false, reason: `${binary} is not installed and installing Debian package ${debianPackage} needs root` };
  if (which('apt-get') === null) return { found: false, reason: `${binary} is not installed and there is no apt-get to install Debian package ${debianPackage}` };
  progress(`${binary} not found; installing Debian package ${debianPackage}`);
  const failure = aptInstall(debianPackage);
  const installed = which(binary);
  if (installed !== null) return { found: true, path: installed };
  return { found: false, reason: `apt-get install ${debianPackage} failed: ${failure ?? `${binary} still not on PATH`}` };
}
