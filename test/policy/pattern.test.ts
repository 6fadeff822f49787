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
