import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { callCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = 'test/fixtures/policies';

describe('umagate validate', () => {
  it('summarises policies.yaml by default and exits 0', async () => {
    const result = await callCli(['validate'], { cwd: ROOT });
    expect(result).toEqual({
      code: 0,
      stdout: 'policies.yaml: valid — 6 resources (5 protected, 1 public), unprotected: deny\n',
      stderr: '',
    });
  });

  it('validates the file it is given', async () => {
    const result = await callCli(['validate', `${FIXTURES}/valid/public-only.yaml`], { cwd: ROOT });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${FIXTURES}/valid/public-only.yaml: valid — 2 resources (0 protected, 2 public), unprotected: allow\n`);
  });

  it('lists every problem as file:line:col  yaml.path  message on stderr and exits 1', async () => {
    const file = `${FIXTURES}/invalid/many-problems.yaml`;
    const result = await callCli(['validate', file], { cwd: ROOT });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').slice(0, 5)).toEqual([
      `${file}:1:14  unprotected  "maybe" is not allowed; use deny (the default) or allow`,
      `${file}:3:11  resources[0].path  "photos" must start with "/" (an absolute path, no scheme or host)`,
      `${file}:5:23  resources[0].conditions[0].httpMethods[0]  methods are case-sensitive: write "GET", not "get"`,
      `${file}:6:17  resources[0].conditions[0].scopes  "scopes" is empty: list at least one (scope strings)`,
      `${file}:9:5  resources[1].scopes  unknown key "scopes"; allowed: path, conditions, public, httpMethods, iat, exp`,
    ]);
  });

  it('reports a YAML syntax error with its position', async () => {
    const result = await callCli(['validate', `${FIXTURES}/invalid/yaml-syntax.yaml`], { cwd: ROOT });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^test\/fixtures\/policies\/invalid\/yaml-syntax\.yaml:4:1 {2}\(document\) {2}YAML syntax error: /);
  });

  it('says why an unreadable file cannot be checked and exits 1', async () => {
    const result = await callCli(['validate', 'no-such-policy.yaml'], { cwd: ROOT });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('cannot read policy file no-such-policy.yaml (ENOENT)\n');
  });
});
