/**
 * How the walkthrough tells the reader to run `umagate`: the same program that is running now,
 * spelled so that it works when pasted into a shell opened in the same directory. `npx umagate`
 * is not used: npm does not link a project's own bin into its node_modules/.bin, so npx would go
 * looking for an unrelated package of that name on the registry.
 */
import { realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import { shellQuote } from './shell-quote.js';

export interface InvocationContext {
  /** The running script (process.argv[1]). */
  readonly script: string;
  readonly cwd: string;
  /** The PATH environment variable. */
  readonly path: string;
}

/** `umagate` when that name on PATH is this very script (an installed bin), else `node <script>`. */
export function cliInvocation(context: InvocationContext): string {
  const script = realpathOrNull(context.script) ?? context.script;
  for (const dir of context.path.split(delimiter)) {
    if (dir !== '' && realpathOrNull(join(dir, 'umagate')) === script) return 'umagate';
  }
  const fromCwd = relative(context.cwd, script);
  const shown = fromCwd.startsWith('..') || isAbsolute(fromCwd) ? script : fromCwd;
  return `node ${shellQuote(shown)}`;
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}
