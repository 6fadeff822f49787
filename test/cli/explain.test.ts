import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { callCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VIEW = 'http://photoz.example.com/dev/actions/view';

async function explainJson(...args: string[]): Promise<unknown> {
  const result = await callCli(['explain', '--json', ...args], { cwd: ROOT });
  expect(result.code).toBe(0);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout);
}

describe('umagate explain --json', () => {
  it.each([
    ['a protected resource', 'GET', '/photo', { outcome: 'protected', pattern: '/photo', method: 'GET', scopes: [VIEW], path: '/photo' }],
    ['a regex resource', 'GET', '/users/42?x=1', { outcome: 'protected', pattern: '/users/{[0-9]+}', method: 'GET', scopes: [VIEW], path: '/users/42' }],
    ['a public resource', 'HEAD', '/health', { outcome: 'public', pattern: '/health', method: 'HEAD', scopes: [], path: '/health' }],
    ['nothing matches', 'GET', '/nowhere', { outcome: 'unprotected', pattern: null, method: 'GET', scopes: [], path: '/nowhere' }],
    ['a method in lower case', 'get', '/photo', { outcome: 'unprotected', pattern: null, method: 'get', scopes: [], path: '/photo' }],
    ['a bad path', 'GET', '/public/../admin', { outcome: 'bad_path', pattern: null, method: 'GET', scopes: [], reason: 'dot segment ("." or "..")' }],
  ] as const)('explains %s', async (_name, method, path, expected) => {
    expect(await explainJson(method, path)).toEqual(expected);
  });

  it('gives a scope expression\'s data as the scopes', async () => {
    expect(await explainJson('DELETE', '/photo')).toMatchObject({
      outcome: 'protected',
      scopes: [
        'http://photoz.example.com/dev/actions/all',
        'http://photoz.example.com/dev/actions/add',
        'http://photoz.example.com/dev/actions/internalClient',
      ],
    });
  });

  it('reports the strictest reading of a trailing-slash path, and both readings', async () => {
    expect(await explainJson('GET', '/photo/')).toEqual({
      outcome: 'unprotected',
      pattern: null,
      method: 'GET',
      scopes: [],
      path: '/photo/',
      readings: [
        { matchPath: '/photo/', outcome: 'unprotected', pattern: null, scopes: [] },
        { matchPath: '/photo', outcome: 'protected', pattern: '/photo', scopes: [VIEW] },
      ],
    });
  });

  it('reads the policy given with --policy', async () => {
    expect(await explainJson('--policy', 'test/fixtures/policies/valid/public-only.yaml', 'POST', '/anything')).toMatchObject({ outcome: 'unprotected' });
  });
});

describe('umagate explain', () => {
  it('says in a few lines what oxd will be asked', async () => {
    const result = await callCli(['explain', 'GET', '/albums/summer'], { cwd: ROOT });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'GET /albums/summer',
        '  resource:  /albums/? (protected)',
        '  outcome:   checked with oxd; forwarded only if granted',
        `  scopes:    ${VIEW}`,
        '  oxd:       uma_rs_check_access path="/albums/?" http_method="GET"',
        '',
      ].join('\n'),
    );
  });

  it('explains a refused path', async () => {
    const result = await callCli(['explain', 'GET', '/a/%2e%2e/admin'], { cwd: ROOT });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('400 bad_path — dot segment');
  });

  it('exits 1 with the problems for an invalid policy', async () => {
    const result = await callCli(['explain', '--policy', 'test/fixtures/policies/invalid/method-lowercase.yaml', 'GET', '/a'], { cwd: ROOT });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('method-lowercase.yaml:4:23  resources[0].conditions[0].httpMethods[0]  methods are case-sensitive');
  });
});
