/**
 * Mutation testing of the security core (`npm run test:mutation`, not part of the default CI
 * run): each file in SCOPES is mutated alone and tested only by the test files of its own area,
 * so a surviving mutant names behaviour those tests do not pin down. scripts/mutation.mjs runs
 * the scopes one after another; `npx stryker run` with this file alone mutates every scoped
 * file against the union of their tests (slower, and a looser check).
 */

/** Mutated file → the tests that must kill its mutants (globs, relative to the repository). */
export const SCOPES = {
  'src/policy/canonical.ts': ['test/policy/canonical.test.ts', 'test/policy/canonical.property.test.ts'],
  'src/policy/segment.ts': ['test/policy/segment.test.ts', 'test/policy/canonical.test.ts', 'test/policy/pattern.test.ts'],
  'src/policy/pattern.ts': ['test/policy/pattern.test.ts', 'test/policy/match.test.ts', 'test/policy/validate.test.ts'],
  'src/policy/trie.ts': ['test/policy/match.test.ts', 'test/policy/match.property.test.ts'],
  'src/policy/matcher.ts': ['test/policy/match.test.ts', 'test/policy/match.property.test.ts'],
  'src/proxy/enforce.ts': ['test/proxy/enforce.test.ts'],
  'src/proxy/authorize.ts': ['test/proxy/authorize.test.ts', 'test/proxy/enforce.test.ts'],
  'src/proxy/decision-cache.ts': ['test/proxy/decision-cache.test.ts', 'test/proxy/authorize.test.ts'],
  'src/proxy/request-headers.ts': ['test/proxy/request-headers.test.ts'],
  // The direct UMA 2.0 mode's authorizer joins here once it exists, with its unit tests, e.g.
  // 'src/uma2/authorize.ts': ['test/uma2/authorize.test.ts'],
};

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // The default vitest config builds dist/ first (for the CLI tests); none of these tests need it.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: Object.keys(SCOPES),
  testFiles: [...new Set(Object.values(SCOPES).flat())],
  coverageAnalysis: 'perTest',
  // With vitest 4 a mutant in a module-level constant (evaluated once, at import) is never
  // activated and would be reported as surviving; such mutants are judged by hand instead.
  ignoreStatic: true,
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'reports', 'coverage', 'bench', 'docs', 'examples', '.umagate-state'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/all.html' },
  jsonReporter: { fileName: 'reports/mutation/all.json' },
  thresholds: { high: 90, low: 80 },
  cleanTempDir: true,
};
