/**
 * Attack class: regular-expression denial of service (ReDoS, CWE-1333). `{regex}` segments run
 * on text the client chooses. Found by reading the code: the star-height screen refused `(a+)+`
 * but accepted overlapping alternatives — `([a-z]|[a-z0-9])+` and `(a|a)*` — where one
 * 24-character segment takes hundreds of milliseconds and every extra character doubles it, so
 * one request could stall the event loop for everyone. Every policy regex is now analysed by
 * recheck at validation time (refused with its line:column unless proven safe), and a decoded
 * segment longer than MAX_SEGMENT_LENGTH is refused with 400 `bad_path` before any regex runs.
 */
import { describe, expect, it } from 'vitest';
import { PolicyError, parsePolicy } from '../../src/policy/index.js';
import { MAX_SEGMENT_LENGTH } from '../../src/policy/canonical.js';
import { expectRefused, useFileHarness } from '../proxy/harness.js';

function problemsOf(text: string): readonly { line: number; column: number; code: string; message: string }[] {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (err) {
    if (err instanceof PolicyError) return err.problems;
    throw err;
  }
  return [];
}

describe('backtracking regexes are invalid policies', () => {
  it.each(['([a-z]|[a-z0-9])+', '(a|a)*', '(a+)+', '(\\w+x)*'])('{%s} → regex_unsafe at its line:column', (source) => {
    const problems = problemsOf(`unprotected: deny\nresources:\n  - path: /tags/{${source}}\n    public: true\n`);
    expect(problems).toEqual([expect.objectContaining({ line: 3, column: 11, code: 'regex_unsafe', message: expect.stringContaining('exponential backtracking') as string })]);
  });

  it('a linear regex is accepted', () => {
    expect(problemsOf('resources:\n  - path: /tags/{[a-z][a-z0-9-]*}\n    public: true\n')).toEqual([]);
  });
});

describe('segments that regexes run on are bounded', () => {
  const harness = useFileHarness({
    policy: `
unprotected: allow
resources:
  - path: /tags/{[a-z][a-z0-9-]*}
    conditions:
      - httpMethods: [GET]
        scopes: [read]
`,
  });

  it(`a decoded segment longer than ${MAX_SEGMENT_LENGTH} characters → 400 bad_path, nothing forwarded`, async () => {
    await expectRefused(harness(), `/tags/${'a'.repeat(MAX_SEGMENT_LENGTH + 1)}`, 400, 'bad_path');
    // Counted decoded: percent-encoding does not stretch the bound.
    await expectRefused(harness(), `/tags/${'%61'.repeat(MAX_SEGMENT_LENGTH + 1)}`, 400, 'bad_path');
  });

  it(`a segment of exactly ${MAX_SEGMENT_LENGTH} characters is judged as usual`, async () => {
    const res = await harness().send(`/tags/${'a'.repeat(MAX_SEGMENT_LENGTH)}`);
    expect(res.status).toBe(401);
  });
});
