/**
 * ReDoS screening of segment regexes, which run on client-chosen text. A syntactic screen (star
 * height) misses overlapping alternatives such as `([a-z]|[a-z0-9])+` or `(a|a)*`, where one
 * 24-character segment takes hundreds of milliseconds and each extra character doubles it. So
 * every policy regex goes through recheck, a ReDoS analyser combining automata theory and
 * fuzzing, once per policy load — never per request. Anything it cannot prove safe is refused:
 * a regex the analyser times out on is not one to run on attacker input.
 */
import { analyseRegexes, analyseRegexesAsync, type RedosVerdict } from './redos-analyser.js';

/**
 * Verdicts by regex, since an analysis costs a child process and a policy reload (or a matcher
 * compile) parses the same patterns again. Bounded: dropped whole when full.
 */
const verdicts = new Map<string, RedosVerdict>();
const MAX_VERDICTS = 1_000;
/** Fail closed should the analyser ever answer for fewer regexes than it was given. */
const NO_VERDICT = 'the ReDoS analysis gave no verdict';

/** `??` would not do: null is the verdict "safe". */
function orNoVerdict(verdict: RedosVerdict | undefined): RedosVerdict {
  return verdict === undefined ? NO_VERDICT : verdict;
}

function keyOf(regex: RegExp): string {
  return `/${regex.source}/${regex.flags}`;
}

function remember(key: string, verdict: RedosVerdict): void {
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(key, verdict);
}

function unjudged(regexes: readonly RegExp[]): Map<string, RegExp> {
  const pending = new Map<string, RegExp>();
  for (const regex of regexes) {
    const key = keyOf(regex);
    if (!verdicts.has(key)) pending.set(key, regex);
  }
  return pending;
}

function rememberAll(keys: Iterable<string>, judged: readonly RedosVerdict[]): void {
  [...keys].forEach((key, i) => {
    remember(key, orNoVerdict(judged[i]));
  });
}

/**
 * Analyses every regex not yet judged in one analyser run, so that loading a policy starts one
 * child process however many regexes it holds.
 */
export function screenRegexes(regexes: readonly RegExp[]): void {
  const pending = unjudged(regexes);
  rememberAll(pending.keys(), analyseRegexes([...pending.values()]));
}

/** The same as `screenRegexes`, leaving the event loop free while the analyser runs. */
export async function screenRegexesAsync(regexes: readonly RegExp[]): Promise<void> {
  const pending = unjudged(regexes);
  rememberAll(pending.keys(), await analyseRegexesAsync([...pending.values()]));
}

/** Why the anchored regex is unsafe (its complexity, as recheck reports it), or null when safe. */
export function redosProblem(regex: RegExp): RedosVerdict {
  const key = keyOf(regex);
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const verdict = orNoVerdict(analyseRegexes([regex])[0]);
  remember(key, verdict);
  return verdict;
}
