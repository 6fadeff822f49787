/**
 * What `umagate serve --help` says it accepts: the flags and their environment variables. The
 * deployment examples are checked against this, the CLI's own word, not against a copied list.
 */
import { callCli } from '../helpers/cli.js';

export interface ServeInterface {
  /** Long flags, e.g. `--admin-listen`. */
  readonly flags: ReadonlySet<string>;
  /** Environment variables, e.g. `UMAGATE_ADMIN_LISTEN`. */
  readonly envs: ReadonlySet<string>;
}

export async function serveInterface(): Promise<ServeInterface> {
  const help = await callCli(['serve', '--help']);
  if (help.code !== 0) throw new Error(`umagate serve --help failed: ${help.stderr}`);
  const options = help.stdout.slice(help.stdout.indexOf('Options:'));
  return {
    flags: new Set(options.match(/(?<=^\s+(?:-\w, )?)--[a-z][a-z-]*/gm) ?? []),
    envs: new Set([...options.matchAll(/env:\s+(UMAGATE_[A-Z_]+)/g)].map((m) => m[1] ?? '')),
  };
}

/** The port of a `host:port` listen address. */
export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}
