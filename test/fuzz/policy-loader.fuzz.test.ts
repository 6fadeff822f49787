/**
 * The policy loader reads files people edit by hand and Kubernetes swaps under it. Whatever the
 * text, it ends in exactly one of two ways: a Policy, or a PolicyError whose every problem is
 * positioned (line and column inside the text) and coded — never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parsePolicy, PolicyError } from '../../src/policy/index.js';
import { fuzzRuns, fuzzTimeout } from './runs.js';

function expectPolicyOrPositionedError(text: string): void {
  let outcome: unknown;
  try {
    outcome = parsePolicy(text, 'fuzz.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    const error = err as PolicyError;
    expect(error.code).toBe('policy_invalid');
    expect(error.problems.length).toBeGreaterThan(0);
    const lines = text.split(/\r\n|\r|\n/).length;
    for (const problem of error.problems) {
      expect(problem.file).toBe('fuzz.yaml');
      expect(problem.code).toMatch(/^[a-z_]+$/);
      expect(problem.line).toBeGreaterThanOrEqual(1);
      expect(problem.line).toBeLessThanOrEqual(lines + 1);
      expect(problem.column).toBeGreaterThanOrEqual(1);
    }
    return;
  }
  expect(outcome).toBeTypeOf('object');
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'get', 'FETCH', ''];
const SEGMENTS = ['a', 'b', '?', '??', '{[0-9]+}', '{(a|a)*}', '{[}', '..', '', 'x;y', '%2f', 'é'];
const path = fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 4 }).map((s) => `/${s.join('/')}`);
const scopes = fc.array(fc.constantFrom('view', 'edit', '', 'http://example.com/s'), { maxLength: 3 });
const condition = fc.record(
  {
    httpMethods: fc.array(fc.constantFrom(...METHODS), { maxLength: 3 }),
    scopes,
    ticketScopes: scopes,
    scope_expression: fc.record({ rule: fc.constantFrom({ var: 0 }, { and: [{ var: 0 }, { var: 5 }] }, 'x'), data: scopes }),
    extra: fc.anything({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);
const resource = fc.record(
  {
    path: fc.oneof(path, fc.anything({ maxDepth: 1 })),
    conditions: fc.oneof(fc.array(condition, { maxLength: 3 }), fc.anything({ maxDepth: 1 })),
    public: fc.oneof(fc.boolean(), fc.anything({ maxDepth: 0 })),
    httpMethods: fc.array(fc.constantFrom(...METHODS), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const policyTree = fc.record(
  {
    unprotected: fc.constantFrom('deny', 'allow', 'maybe', 1),
    resources: fc.oneof(fc.array(resource, { maxLength: 5 }), fc.anything({ maxDepth: 1 })),
    other: fc.anything({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

describe('policy loader fuzzing', () => {
  it('turns random text into a policy or positioned problems, never a crash', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), expectPolicyOrPositionedError), { numRuns: fuzzRuns() });
  }, fuzzTimeout());

  it('turns random policy trees into a policy or positioned problems, never a crash', () => {
    fc.assert(
      fc.property(policyTree, (tree) => {
        expectPolicyOrPositionedError(stringify(tree));
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout());

  it('turns mutilated valid policies into a policy or positioned problems, never a crash', () => {
    const valid = stringify({
      unprotected: 'deny',
      resources: [
        { path: '/photo', conditions: [{ httpMethods: ['GET'], scopes: ['view'] }] },
        { path: '/users/{[0-9]+}', conditions: [{ httpMethods: ['PUT'], scope_expression: { rule: { var: 0 }, data: ['edit'] } }] },
        { path: '/health', public: true },
      ],
    });
    fc.assert(
      fc.property(fc.nat({ max: valid.length }), fc.nat({ max: 20 }), fc.string({ maxLength: 8 }), (at, cut, insert) => {
        expectPolicyOrPositionedError(valid.slice(0, at) + insert + valid.slice(at + cut));
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout());
});
