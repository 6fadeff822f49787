import { describe, expect, it } from 'vitest';
import { canonicalizeTarget, compileMatcher, loadPolicy, resolveRequest } from '../../src/policy/index.js';
import type { Match } from '../../src/policy/index.js';
import { FIXTURES } from './fixtures.js';

const policy = await loadPolicy(`${FIXTURES}valid/matching.yaml`);
const matcher = compileMatcher(policy);

function summary(match: Match): string {
  return match.outcome === 'unprotected' ? 'unprotected' : `${match.outcome} ${match.pattern}`;
}

// [behaviour, method, canonical match path, expected]
const ROWS: readonly (readonly [string, string, string, string])[] = [
  ['a literal matches itself', 'GET', '/photo', 'protected /photo'],
  ['HEAD uses the condition that lists it', 'HEAD', '/photo', 'protected /photo'],
  ['POST uses its own condition', 'POST', '/photo', 'protected /photo'],
  ['a method no condition lists matches nothing', 'PUT', '/photo', 'unprotected'],
  ['methods are case-sensitive: get', 'get', '/photo', 'unprotected'],
  ['methods are case-sensitive: Get', 'Get', '/photo', 'unprotected'],
  ['a method outside the known list matches nothing', 'TRACE', '/photo', 'unprotected'],
  ['protected literals ignore case', 'GET', '/PHOTO', 'protected /photo'],
  ['literal beats regex and ?', 'GET', '/photo/new', 'protected /photo/new'],
  ['literal beats regex and ?, ignoring case', 'GET', '/photo/NEW', 'protected /photo/new'],
  ['regex beats ?', 'GET', '/photo/123', 'protected /photo/{[0-9]+}'],
  ['? takes a segment the regex refuses', 'GET', '/photo/abc', 'protected /photo/?'],
  ['?? takes several segments', 'GET', '/photo/a/b', 'protected /photo/??'],
  ['only the resources listing the method are candidates', 'DELETE', '/photo/123', 'protected /photo/??'],
  ['?? matches zero segments', 'DELETE', '/photo', 'protected /photo/??'],
  ['the trailing-slash reading is taken by ??', 'GET', '/photo/', 'protected /photo/??'],
  ['? does not take the empty trailing segment', 'GET', '/photo/123/', 'protected /photo/??'],
  ['a method with no candidate at that path matches nothing', 'POST', '/photo/1', 'unprotected'],
  ['a full literal path wins', 'GET', '/a/b/c', 'protected /a/b/c'],
  ['backtracks from a dead-end literal to ?', 'GET', '/a/b/d', 'protected /a/?/d'],
  ['backtracks from literal and ? to ??', 'GET', '/a/b/e', 'protected /a/??/e'],
  ['?? consumes several segments before a literal', 'GET', '/a/x/y/e', 'protected /a/??/e'],
  ['?? consumes nothing before a literal', 'GET', '/a/e', 'protected /a/??/e'],
  ['no pattern ends where the path ends', 'GET', '/a/b', 'unprotected'],
  ['tries every matching regex, not only the first', 'GET', '/x/abc/z', 'protected /x/{[a-c]+}/z'],
  ['the first regex when it leads to a match', 'GET', '/x/abc/y', 'protected /x/{[a-z]+}/y'],
  ['a regex is anchored to the whole segment', 'GET', '/x/abd/z', 'unprotected'],
  ['regex after ?? spanning two segments', 'GET', '/files/a/b/doc.pdf', 'protected /files/??/{.+\\.pdf}'],
  ['literal after an empty ??', 'GET', '/files/thumb', 'protected /files/??/thumb'],
  ['regex after an empty ??', 'GET', '/files/x.pdf', 'protected /files/??/{.+\\.pdf}'],
  ['literal after ?? of one segment', 'GET', '/files/a/thumb', 'protected /files/??/thumb'],
  ['a public ?? pattern', 'GET', '/api/users', 'public /api/??'],
  ['public literals are case-sensitive', 'GET', '/API/users', 'unprotected'],
  ['public resources match only their methods', 'POST', '/api/users', 'unprotected'],
  ['a more specific protected path inside a public tree', 'GET', '/api/private/key', 'protected /api/private/??'],
  ['case tricks only make a path more protected', 'GET', '/api/PRIVATE/key', 'protected /api/private/??'],
  ['literal then empty ?? beats a ?? over the literal', 'GET', '/api/private', 'protected /api/private/??'],
  ['public with every method', 'DELETE', '/Static/x', 'public /Static/??'],
  ['public with every method, GET', 'GET', '/Static/css/a.css', 'public /Static/??'],
  ['public literal in another case is not public', 'GET', '/static/css', 'unprotected'],
  ['unknown methods are not public even with every method', 'PROPFIND', '/Static/x', 'unprotected'],
  ['a protected literal beats the public ?? around it', 'GET', '/Static/admin', 'protected /static/admin'],
  ['the protected literal in its own case', 'GET', '/static/admin', 'protected /static/admin'],
  ['public GET on a shared path', 'GET', '/mixed', 'public /mixed'],
  ['protected POST on a shared path', 'POST', '/mixed', 'protected /MIXED'],
  ['protected POST in any case', 'POST', '/Mixed', 'protected /MIXED'],
  ['public GET only in its exact case', 'GET', '/MIXED', 'unprotected'],
  ['the root path', 'GET', '/', 'public /'],
  ['the root path for another method', 'POST', '/', 'unprotected'],
  ['a trailing-slash pattern matches the slash reading', 'GET', '/trail/', 'protected /trail/'],
  ['a trailing-slash pattern does not match the bare reading', 'GET', '/trail', 'unprotected'],
  ['regexes are case-sensitive', 'GET', '/case/ABC', 'protected /case/{[A-Z]+}'],
  ['regexes are case-sensitive: lower case fails', 'GET', '/case/abc', 'unprotected'],
  ['the literal before a regex ignores case', 'GET', '/CASE/ABC', 'protected /case/{[A-Z]+}'],
  ['at equal specificity protected beats public', 'GET', '/tie/abc', 'protected /tie/{[a-m]+}'],
  ['public when only the public regex matches', 'GET', '/tie/xyz', 'public /tie/{[a-z]+}'],
  ['specificity further on decides between two regexes', 'GET', '/deep/12/x', 'public /deep/{[0-9a-f]+}/x'],
  ['the other regex when the literal fails', 'GET', '/deep/12/y', 'protected /deep/{[0-9]+}/?'],
  ['no regex accepts the segment', 'GET', '/deep/zz/y', 'unprotected'],
  ['a literal beats an empty ??', 'GET', '/opt/end', 'public /opt/end'],
  ['?? when a segment sits between', 'GET', '/opt/a/end', 'protected /opt/??/end'],
  ['a literal written in Unicode matches the decoded path', 'GET', '/café/menu', 'public /café/menu'],
  ['a percent-encoded literal matches the decoded path', 'GET', '/menü/today', 'public /men%C3%BC/today'],
];

describe('matcher', () => {
  it.each(ROWS)('%s: %s %s → %s', (_behaviour, method, path, expected) => {
    expect(summary(matcher.match(method, path))).toBe(expected);
  });

  it('returns the condition that lists the method', () => {
    const match = matcher.match('POST', '/photo');
    expect(match.outcome === 'protected' ? match.condition.scopes : null).toEqual(['edit']);
  });

  it('refuses a match path that did not come from the canonicaliser', () => {
    expect(() => matcher.match('GET', 'photo')).toThrow(TypeError);
  });
});

describe('resolveRequest', () => {
  function resolve(method: string, rawTarget: string): string[] {
    const target = canonicalizeTarget(rawTarget);
    if (!target.ok) throw new Error(target.reason);
    return resolveRequest(matcher, method, target).map((r) => `${r.reading}: ${summary(r.match)}`);
  }

  it.each([
    ['GET', '/photo', ['/photo: protected /photo']],
    ['GET', '/photo/', ['/photo/: protected /photo/??', '/photo: protected /photo']],
    ['GET', '/photo/abc/', ['/photo/abc/: protected /photo/??', '/photo/abc: protected /photo/?']],
    ['GET', '/trail/', ['/trail/: protected /trail/', '/trail: unprotected']],
    ['GET', '/api/users/', ['/api/users/: public /api/??']],
    ['GET', '/', ['/: public /']],
    ['GET', '/caf%c3%a9/menu?x=1', ['/café/menu: public /café/menu']],
    ['GET', '/photo;jsessionid=1', ['/photo: protected /photo']],
  ] as const)('%s %s → the distinct matches of every reading, each with the first reading that gave it', (method, target, expected) => {
    expect(resolve(method, target)).toEqual(expected);
  });
});
