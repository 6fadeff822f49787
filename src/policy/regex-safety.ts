/**
 * A conservative screen for regexes that could backtrack catastrophically: a repeated group that
 * itself contains unbounded repetition, such as `(a+)+` or `(\w*x)*`. Segment regexes run on
 * attacker-chosen text, so such patterns are refused at validation time.
 */

interface Group {
  containsUnbounded: boolean;
}

/** Reads a quantifier at `i`, if any: its length and whether it is unbounded. */
function readQuantifier(source: string, i: number): { length: number; unbounded: boolean } | null {
  const ch = source.charAt(i);
  if (ch === '*' || ch === '+') return { length: 1, unbounded: true };
  if (ch === '?') return { length: 1, unbounded: false };
  if (ch !== '{') return null;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
  if (m === null) return null;
  const upper = m[3];
  const unbounded = m[2] !== undefined && (upper === undefined || upper === '' || Number(upper) > 1);
  return { length: m[0].length, unbounded };
}

/** Returns why the regex is unsafe, or null when the screen finds nothing. */
export function unsafeRegexReason(source: string): string | null {
  const stack: Group[] = [{ containsUnbounded: false }];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source.charAt(i);
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      continue;
    }
    if (ch === '(') {
      stack.push({ containsUnbounded: false });
      continue;
    }
    if (ch === ')' && stack.length > 1) {
      const group = stack.pop();
      const quantifier = readQuantifier(source, i + 1);
      const outer = stack.at(-1);
      if (group === undefined || outer === undefined) continue;
      if (quantifier?.unbounded === true && group.containsUnbounded) return 'nested repetition';
      outer.containsUnbounded ||= group.containsUnbounded || quantifier?.unbounded === true;
      continue;
    }
    const quantifier = readQuantifier(source, i);
    if (quantifier?.unbounded === true) {
      const top = stack.at(-1);
      if (top !== undefined) top.containsUnbounded = true;
    }
  }
  return null;
}
