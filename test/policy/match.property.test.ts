/** The trie against a brute-force reference, over random policies and paths. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMatcher } from '../../src/policy/index.js';
import type { HttpMethod, Match, Policy, PolicyResource } from '../../src/policy/index.js';
import { referenceMatch } from './reference-matcher.js';

const METHODS: readonly HttpMethod[] = ['GET', 'POST'];
const PATTERN_SEGMENTS = ['a', 'b', 'A', 'ab', '{[ab]+}', '{a.*}', '{[A-Z]}', '?', '??'];
const PATH_SEGMENTS = ['a', 'b', 'A', 'ab', 'aB', 'Z', 'ba'];

const pattern = fc
  .tuple(fc.array(fc.constantFrom(...PATTERN_SEGMENTS), { minLength: 1, maxLength: 4 }), fc.boolean())
  .filter(([segments]) => segments.filter((s) => s === '??').length <= 1)
  .map(([segments, trailingSlash]) => `/${segments.join('/')}${trailingSlash ? '/' : ''}`);

const methods = fc.subarray([...METHODS], { minLength: 1 });

const resource: fc.Arbitrary<PolicyResource> = fc.oneof(
  fc.record({ path: pattern, methods }).map(({ path, methods: ms }) => ({
    kind: 'protected' as const,
    path,
    conditions: ms.map((m) => ({ httpMethods: [m], scopes: [`${m}:${path}`] })),
  })),
  fc.record({ path: pattern, methods: fc.option(methods, { nil: null }) }).map(({ path, methods: ms }) => ({
    kind: 'public' as const,
    path,
    httpMethods: ms,
  })),
);

const matchPath = fc
  .tuple(fc.array(fc.constantFrom(...PATH_SEGMENTS), { maxLength: 5 }), fc.boolean())
  .map(([segments, trailingSlash]) => (segments.length === 0 ? '/' : `/${segments.join('/')}${trailingSlash ? '/' : ''}`));

function policyOf(resources: readonly PolicyResource[]): Policy {
  return { source: '<generated>', unprotected: 'deny', resources, registration: [], registrationHash: '', warnings: [] };
}

function winner(policy: Policy, match: Match): number | null {
  return match.outcome === 'unprotected' ? null : policy.resources.indexOf(match.resource);
}

describe('matcher properties', () => {
  it('agrees with the brute-force reference on which resource wins', () => {
    fc.assert(
      fc.property(fc.array(resource, { minLength: 1, maxLength: 12 }), fc.array(matchPath, { minLength: 1, maxLength: 8 }), fc.constantFrom(...METHODS), (resources, paths, method) => {
        const policy = policyOf(resources);
        const matcher = compileMatcher(policy);
        for (const path of paths) expect(winner(policy, matcher.match(method, path))).toBe(referenceMatch(policy, method, path));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds a match whenever some resource covers the path (it backtracks)', () => {
    fc.assert(
      fc.property(fc.array(resource, { minLength: 1, maxLength: 12 }), matchPath, fc.constantFrom(...METHODS), (resources, path, method) => {
        const policy = policyOf(resources);
        const matched = compileMatcher(policy).match(method, path).outcome !== 'unprotected';
        const anyCovers = resources.some((r) => compileMatcher(policyOf([r])).match(method, path).outcome !== 'unprotected');
        expect(matched).toBe(anyCovers);
      }),
      { numRuns: 2000 },
    );
  });

  it('adding a resource changes the match of a path only to the added resource', () => {
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 10 }), resource, matchPath, fc.constantFrom(...METHODS), (resources, added, path, method) => {
        const before = policyOf(resources);
        const after = policyOf([...resources, added]);
        const was = winner(before, compileMatcher(before).match(method, path));
        const now = winner(after, compileMatcher(after).match(method, path));
        if (now !== was) expect(now).toBe(resources.length);
      }),
      { numRuns: 2000 },
    );
  });
});
