import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PolicyError, formatProblem, loadPolicy, parsePolicy } from '../../src/policy/index.js';
import type { PolicyProblem } from '../../src/policy/index.js';
import { BROKEN, EXAMPLE_POLICY, FIXTURES, validFixtures } from './fixtures.js';

async function problemsOf(file: string): Promise<readonly PolicyProblem[]> {
  try {
    await loadPolicy(file);
  } catch (err) {
    if (err instanceof PolicyError && err.code === 'policy_invalid') return err.problems;
    throw err;
  }
  return [];
}

describe('policy validation', () => {
  it.each(BROKEN)('reports $code at $yamlPath (line $line) for $file', async ({ file, code, yamlPath, line }) => {
    const problems = await problemsOf(`${FIXTURES}invalid/${file}`);
    expect(problems[0]).toMatchObject({ code, yamlPath, line, file: `${FIXTURES}invalid/${file}` });
  });

  it('has a table row for every file in the invalid folder', () => {
    const files = readdirSync(`${FIXTURES}invalid`).filter((f) => f !== 'many-problems.yaml');
    expect(files.sort()).toEqual(BROKEN.map((b) => b.file).sort());
  });

  it.each(validFixtures())('accepts %s', async (file) => {
    await expect(loadPolicy(file)).resolves.toMatchObject({ source: file });
  });

  it('accepts the example policies.yaml', async () => {
    const policy = await loadPolicy(EXAMPLE_POLICY);
    expect(policy.resources.map((r) => r.kind)).toEqual(['protected', 'protected', 'protected', 'protected', 'protected', 'public']);
  });

  it('collects every problem of a file, in document order', async () => {
    const problems = await problemsOf(`${FIXTURES}invalid/many-problems.yaml`);
    expect(problems.map((p) => [p.code, p.yamlPath, p.line])).toEqual([
      ['invalid_value', 'unprotected', 1],
      ['path_not_absolute', 'resources[0].path', 3],
      ['method_lowercase', 'resources[0].conditions[0].httpMethods[0]', 5],
      ['empty_list', 'resources[0].conditions[0].scopes', 6],
      ['unknown_key', 'resources[1].scopes', 9],
    ]);
  });

  it('reports an unknown key at the key, with a suggestion and the allowed keys', async () => {
    const [problem] = await problemsOf(`${FIXTURES}invalid/unknown-key.yaml`);
    expect(problem).toMatchObject({ line: 4, column: 9 });
    expect(problem?.message).toContain('did you mean "httpMethods"?');
    expect(problem?.message).toContain('allowed: httpMethods, scopes, ticketScopes, scope_expression');
  });

  it('reports a bad method at the value, with its column', async () => {
    const [problem] = await problemsOf(`${FIXTURES}invalid/method-unknown.yaml`);
    expect(problem).toMatchObject({ line: 4, column: 28 });
  });

  it('formats a problem as file:line:col  yaml.path  message', () => {
    const problem = { file: 'p.yaml', line: 3, column: 7, yamlPath: 'resources[0].path', code: 'x', message: 'bad' };
    expect(formatProblem(problem)).toBe('p.yaml:3:7  resources[0].path  bad');
  });

  it('throws policy_unreadable with the fs error as cause for a missing file', async () => {
    const error = await loadPolicy(`${FIXTURES}does-not-exist.yaml`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ code: 'policy_unreadable', problems: [] });
    expect((error as PolicyError).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('throws policy_invalid for an empty document', () => {
    expect(() => parsePolicy('', 'empty.yaml')).toThrow(expect.objectContaining({ code: 'policy_invalid' }));
  });
});

describe('the validated policy', () => {
  it('registers protected resources exactly as written and leaves public ones out', async () => {
    const policy = await loadPolicy(`${FIXTURES}valid/shared-path-by-method.yaml`);
    expect(policy.registration).toEqual([
      { path: '/items', conditions: [{ httpMethods: ['POST'], scopes: ['http://example.com/items/write'] }], iat: 1700000000, exp: 1900000000 },
    ]);
    expect(policy.resources[0]).toEqual({ kind: 'public', path: '/items', httpMethods: ['GET', 'HEAD'] });
  });

  it('keeps a scope expression rule as written', async () => {
    const policy = await loadPolicy(EXAMPLE_POLICY);
    expect(policy.registration[0]?.conditions[2]?.scope_expression?.rule).toEqual({ and: [{ or: [{ var: 0 }, { var: 1 }] }, { var: 2 }] });
  });

  it('defaults unprotected to deny and public methods to all', () => {
    const policy = parsePolicy('resources:\n  - path: /x\n    public: true\n', 'inline.yaml');
    expect(policy.unprotected).toBe('deny');
    expect(policy.resources[0]).toMatchObject({ httpMethods: null });
  });

  it('keeps the registration hash when only comments or key order change', async () => {
    const text = await readFile(`${FIXTURES}valid/minimal.yaml`, 'utf8');
    const reordered = 'resources:\n  - conditions:\n      - scopes: [http://photoz.example.com/dev/actions/view]\n        httpMethods: [GET]\n    path: /photo # same resource\n';
    expect(parsePolicy(reordered, 'b.yaml').registrationHash).toBe(parsePolicy(text, 'a.yaml').registrationHash);
  });

  it('changes the registration hash when a scope changes', () => {
    const a = parsePolicy('resources:\n  - path: /p\n    conditions: [{httpMethods: [GET], scopes: [a]}]\n', 'a');
    const b = parsePolicy('resources:\n  - path: /p\n    conditions: [{httpMethods: [GET], scopes: [b]}]\n', 'b');
    expect(a.registrationHash).not.toBe(b.registrationHash);
  });

  it('is deeply frozen', async () => {
    const policy = await loadPolicy(EXAMPLE_POLICY);
    expect(Object.isFrozen(policy.registration[0]?.conditions[0])).toBe(true);
  });
});
