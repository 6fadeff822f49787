/**
 * ReDoS screening of segment regexes, which run on client-chosen text. A syntactic screen (star
 * height) misses overlapping alternatives such as `([a-z]|[a-z0-9])+` or `(a|a)*`, where one
 * 24-character segment takes hundreds of milliseconds and each extra character doubles it. So
 * every policy regex goes through recheck (https://makenowjust-labs.github.io/recheck/), a ReDoS
 * analyser combining automata theory and fuzzing, once per policy load — never per request.
 * Anything it cannot prove safe is refused: a regex the analyser times out on is not one to run
 * on attacker input.
 */
import { checkSync } from 'recheck';

/**
 * Verdicts by regex, since an analysis takes milliseconds and a policy reload (or a matcher
 * compile) parses the same patterns again. Bounded: dropped whole when full.
 */
const verdicts = new Map<string, string | null>();
const MAX_VERDICTS = 1_000;

/** Why the anchored regex is unsafe (its complexity, as recheck reports it), or null when safe. */
export function redosProblem(regex: RegExp): string | null {
  const key = `/${regex.source}/${regex.flags}`;
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const verdict = analyse(regex);
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(key, verdict);
  return verdict;
}

function analyse(regex: RegExp): string | null {
  const diagnostics = checkSync(regex.source, regex.flags);
  switch (diagnostics.status) {
    case 'safe':
      return null;
    case 'vulnerable':
      return `${diagnostics.complexity.summary} backtracking, e.g. on ${diagnostics.attack.pattern}`;
    case 'unknown':
      return `the ReDoS analysis could not prove it safe: ${diagnostics.error.kind}`;
  }
}
