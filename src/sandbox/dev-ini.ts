/**
 * The oxd ini `umagate dev` hands the proxy: oxd 4.x REST on the embedded dev oxd. Rewritten at
 * every start, because the dev oxd keeps its sites in memory and forgets them on exit, so an
 * oxd id left over from a previous run would name a site that no longer exists.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { applyIniUpdates } from '../oxd/config-write.js';

/** Where the sandbox keeps its ini, relative to the working directory (ignored by git). */
export const DEV_INI_PATH = '.umagate-state/umagate.cfg';

export interface DevIniSettings {
  /** The dev oxd's REST base URL, e.g. http://127.0.0.1:8553/ */
  readonly oxdRestUrl: string;
  /** The dev AS issuer the dev oxd reports. */
  readonly opHost: string;
}

/** register_site requires a redirect URI; nothing is ever redirected in the sandbox. */
export const DEV_REDIRECT_URI = 'http://127.0.0.1/callback';

export function devIniText(settings: DevIniSettings): string {
  const header = [
    '; Written by `umagate dev` at each start, for its embedded dev oxd, which keeps everything',
    '; in memory. For trying umagate out only: never point a production proxy at the dev oxd.',
    '',
  ].join('\n');
  // The project's own ini writer, so whatever it writes the oxd client reads back unchanged.
  return applyIniUpdates(
    header,
    {
      oxd: { host: settings.oxdRestUrl, protocol: 'rest', id: '' },
      client: { op_host: settings.opHost, authorization_redirect_uri: DEV_REDIRECT_URI, scope: 'openid,uma_protection' },
    },
    DEV_INI_PATH,
  );
}

/** Writes the ini (owner-only: the proxy writes client credentials back into it). */
export async function writeDevIni(path: string, settings: DevIniSettings): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, devIniText(settings), { mode: 0o600 });
}
