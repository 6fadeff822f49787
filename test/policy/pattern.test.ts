import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../src/policy/pattern.js';
import { redosProblem } from '../../src/policy/regex-safety.js';

function kinds(path: string): string[] {
  const parsed = parsePattern(path);
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => i.code).join());
  return parsed.elements.map((e) => (e.kind === 'literal' ? `lit:${e.text}` : e.kind === 'regex' ? `re:${e.source}` : e.kind));
}

describe('parsePattern', () => {
  it.each([
    ['/', ['lit:']],
    ['/a/?/??', ['lit:a', 'one', 'any']],
    ['/a/', ['lit:a', 'lit:']],
    ['/y/{[0-9]{4}}', ['lit:y', 're:[0-9]{4}']],
    ['/f/{a/b|c}', ['lit:f', 're:a/b|c']],
    ['/f/{a\\}b}', ['lit:f', 're:a\\}b']],
    ['/caf%c3%a9/%7Euser', ['lit:café', 'lit:~user']],
    ['/café', ['lit:café']],
  ] as const)('reads %s', (path, expected) => {
    expect(kinds(path)).toEqual(expected);
  });

  it.each([
    ['photos', 'path_not_absolute'],
    ['/a?b', 'wildcard_not_segment'],
    ['/a/b?x=1', 'path_has_query'],
    ['/a#b', 'path_has_fragment'],
    ['/a//b', 'path_empty_segment'],
    ['/a/%2e%2e/b', 'path_dot_segment'],
    ['/a;x=1', 'path_bad_segment'],
    ['/a b', 'path_bad_segment'],
    ['/a%zz', 'path_bad_segment'],
    ['/??/a/??', 'path_multiple_any'],
    ['/{(}', 'regex_invalid'],
    ['/{(a*)*}', 'regex_unsafe'],
    ['/x{a}', 'regex_not_segment'],
  ] as const)('refuses %s with %s', (path, code) => {
    const parsed = parsePattern(path);
    expect(parsed.ok ? [] : parsed.issues.map((i) => i.code)).toContain(code);
  });
});

describe('redosProblem (recheck)', () => {
  const anchored = (source: string) => new RegExp(`^(?:${source})$`, 'u');

  it.each(['(a+)+', '(a*)*', '(\\w+x)*', '(?:a|b+)+', '([a-z]|[a-z0-9])+', '(a|a)*'])('refuses %s: exponential backtracking', (source) => {
    expect(redosProblem(anchored(source))).toMatch(/^exponential backtracking, e\.g\. on /);
  });

  it.each(['[0-9]+', '(ab)+', '(a+)?', '(a+){1}', '[(a+)+]', '\\(a+\\)+', '(foo|bar)+', '[a-z]+-[0-9]{1,4}', '((ab)+c){2,}', '[a-z0-9]+(?:-[a-z0-9]+)*'])('accepts %s', (source) => {
    expect(redosProblem(anchored(source))).toBeNull();
  });
});

describe('parsePattern: what an operator reads', () => {
  it.each([
    ['photos', 'path_not_absolute', '"photos" must start with "/" (an absolute path, no scheme or host)'],
    ['/a#b', 'path_has_fragment', '"/a#b" holds a fragment ("#"); write the path only'],
    ['/a/b?x=1', 'path_has_query', '"b?x=1" holds a query string; a path matches the path only, never the query'],
    ['/a?b', 'wildcard_not_segment', '"a?b": "?" and "??" must be whole segments (/a/?/b), and a path cannot hold a query'],
    ['/x{a}', 'regex_not_segment', '"x{a}": a {regex} must be a whole segment (/users/{[0-9]+})'],
    // A lone "}" is no regex either; it does not open a brace, so the next "/" still splits.
    ['/a}/b', 'regex_not_segment', '"a}": a {regex} must be a whole segment (/users/{[0-9]+})'],
    ['/a;x=1', 'path_bad_segment', '"a;x=1": ";" parameters are removed from requests before matching, so this segment could never match'],
    ['/a%zz', 'path_bad_segment', '"a%zz": invalid percent-encoding'],
    // A "\" outside a regex escapes nothing: the "/" after it still splits the path.
    ['/a\\/b', 'path_bad_segment', '"a\\": raw "\\"'],
    ['/a\uD800', 'path_bad_segment', '"a\uD800" is not valid Unicode text'],
    ['/a/%2e%2e/b', 'path_dot_segment', '"%2e%2e": dot segments are not allowed'],
    ['/a//b', 'path_empty_segment', 'empty segment ("//") in the path'],
    ['/??/a/??', 'path_multiple_any', '"/??/a/??" has more than one "??"; at most one is allowed per path'],
  ] as const)('%s → %s with its message', (path, code, message) => {
    expect(parsePattern(path)).toEqual({ ok: false, issues: [{ code, message }] });
  });

  it('names the regex and the kind of backtracking for an unsafe one', () => {
    const parsed = parsePattern('/{(a*)*}');
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      { code: 'regex_unsafe', message: expect.stringMatching(/^\{\(a\*\)\*\} could backtrack catastrophically \(exponential backtracking.*\); rewrite it without nested or overlapping repetition$/) as unknown },
    ]);
  });

  it('names the regex and the engine’s complaint for an invalid one', () => {
    const parsed = parsePattern('/{(}');
    expect(parsed.ok ? [] : parsed.issues).toEqual([{ code: 'regex_invalid', message: expect.stringMatching(/^\{\(\} is not a valid regular expression: .+/) as unknown }]);
  });

  it('anchors a {regex} to the whole decoded segment', () => {
    const parsed = parsePattern('/{[0-9]{4}}');
    const element = parsed.ok ? parsed.elements[0] : undefined;
    const regex = element?.kind === 'regex' ? element.regex : null;
    expect([regex?.test('2024'), regex?.test('x2024'), regex?.test('20245'), regex?.test('')]).toEqual([true, false, false, false]);
  });

  it('reads "{}" as an empty regex, which only an empty segment would match', () => {
    expect(kinds('/a/{}')).toEqual(['lit:a', 're:']);
  });

  it('an unclosed "{" is no regex', () => {
    expect(parsePattern('/{abc')).toEqual({ ok: false, issues: [{ code: 'regex_not_segment', message: '"{abc": a {regex} must be a whole segment (/users/{[0-9]+})' }] });
  });

  it('an escaped "}" does not close the regex, so a "/" after it stays inside', () => {
    expect(kinds('/f/{a\\}/b}')).toEqual(['lit:f', 're:a\\}/b']);
  });

  it('compiles a {regex} Unicode-aware: "." is one code point, even outside the BMP', () => {
    const parsed = parsePattern('/{.}');
    const element = parsed.ok ? parsed.elements[0] : undefined;
    expect(element?.kind === 'regex' && element.regex.test('\u{1F600}')).toBe(true);
  });

  it('keeps an escaped "/" inside a regex', () => {
    expect(kinds('/f/{a\\/b}')).toEqual(['lit:f', 're:a\\/b']);
  });
});
