/**
 * Bench child: one umagate proxy, configured as `umagate serve` would be except for the listen
 * addresses (loopback, port 0) and the policy watcher (off: nothing edits the file). Logging stays
 * at the default level, so the per-request decision log is part of what is measured; the runner
 * sends stdout to /dev/null.
 *
 * argv: <policy file> <authz file> <upstream URL> <cache TTL seconds> [workers: a count or auto; default 1]
 *
 * The authz file is an oxd ini (oxd mode), or a `.json` file of direct-mode settings (`--authz
 * uma2`): `{"issuer", "clientId", "clientSecretFile", "umaState", "rptVerify"}`, each a string,
 * the flags of the same names. The positional form is kept: ab.ts starts older builds with it.
 */
import { readFileSync } from 'node:fs';
import { startProxy, type StartProxyOptions } from '../src/proxy/index.js';
import { serveChild } from './sut-child.js';

const DIRECT_KEYS = ['issuer', 'clientId', 'clientSecretFile', 'umaState', 'rptVerify'] as const;

/** The oxd ini as --oxd-config, or the direct-mode settings a `.json` file holds. */
function authzOptions(file: string): StartProxyOptions {
  if (!file.endsWith('.json')) return { oxdConfig: file };
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${file}: expected a JSON object of direct-mode settings`);
  const settings: Record<string, string> = {};
  for (const key of DIRECT_KEYS) {
    const value: unknown = (parsed as Record<string, unknown>)[key];
    if (typeof value !== 'string') throw new Error(`${file}: "${key}" must be a string`);
    settings[key] = value;
  }
  return { authz: 'uma2', ...settings };
}

serveChild(async () => {
  const [policy, authzFile, upstream, cacheTtl, workers = '1'] = process.argv.slice(2);
  if (policy === undefined || authzFile === undefined || upstream === undefined || cacheTtl === undefined) {
    throw new Error('usage: sut-proxy <policy> <oxd ini | direct-mode .json> <upstream> <cache TTL seconds> [workers]');
  }
  const proxy = await startProxy({ policy, ...authzOptions(authzFile), upstream, cacheTtl, workers, listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', watchPolicy: false });
  await proxy.registered;
  return { info: { url: proxy.url, adminUrl: proxy.adminUrl }, close: () => proxy.close() };
});
