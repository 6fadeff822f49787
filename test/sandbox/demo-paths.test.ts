import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/policy/index.js';
import { concretePath, demoPaths } from '../../src/sandbox/demo-paths.js';

const policy = (yaml: string) => parsePolicy(yaml, 'policies.yaml');

describe('demoPaths', () => {
  it('demonstrates the first protected and public GET paths, and a path no resource covers', () => {
    const demo = demoPaths(
      policy(`
resources:
  - path: /upload
    conditions: [{ httpMethods: [POST], scopes: [s] }]
  - path: /users/{[0-9]+}
    conditions: [{ httpMethods: [GET], scopes: [s] }]
  - path: /albums/?
    conditions: [{ httpMethods: [GET], scopes: [s] }]
  - path: /status
    public: true
    httpMethods: [HEAD]
  - path: /health
    public: true
`),
    );
    expect(demo).toEqual({ protectedPath: '/albums/sample', publicPath: '/health', newPublicPath: '/hello' });
  });

  it('picks another new path when /hello is taken, and none when unmatched requests are allowed', () => {
    const taken = `
resources:
  - path: /hello
    public: true
`;
    expect(demoPaths(policy(taken)).newPublicPath).toBe('/hello-umagate');
    expect(demoPaths(policy(`unprotected: allow\n${taken}`)).newPublicPath).toBeNull();
  });

  it('has no protected path to show when nothing protected takes GET', () => {
    const demo = demoPaths(policy('resources:\n  - path: /a\n    conditions: [{ httpMethods: [PUT], scopes: [s] }]\n'));
    expect(demo.protectedPath).toBeNull();
    expect(demo.publicPath).toBeNull();
  });
});

describe('concretePath', () => {
  it.each([
    ['/photo', '/photo'],
    ['/albums/?', '/albums/sample'],
    ['/docs/??', '/docs'],
    ['/a/??/b', '/a/b'],
    ['/users/{[0-9]+}', null],
  ])('%s → %s', (pattern, expected) => {
    expect(concretePath(pattern)).toBe(expected);
  });
});
