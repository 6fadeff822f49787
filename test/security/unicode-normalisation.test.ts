/**
 * Attack class: Unicode normalisation and case-mapping differentials (the fullwidth/homoglyph
 * family behind many WAF and path-matcher bypasses). The attacker percent-encodes characters
 * that the proxy, matching decoded text, sees as harmless, but that a backend folds into other
 * text: fullwidth `．．` and `／` become `..` and `/` under NFKC (Python, Java, .NET and IIS
 * normalise), `ａｄｍｉｎ` becomes `admin`, an NFD `e◌́` becomes `é`, dotless `ı` upper-cases
 * to `I` (Java's equalsIgnoreCase reads `admın` as `admin`), and zero-width characters vanish
 * in "sanitising" backends. Before the fix `/public/%EF%BC%8E%EF%BC%8E/admin` was public and
 * forwarded. Now any decoded segment that NFKC would change, that holds an invisible
 * (default-ignorable) character, or a non-ASCII character case-mapping to one ASCII letter is
 * refused with 400 `bad_path` (policy/segment.ts); ordinary non-ASCII text (`日本`, `straße`,
 * NFC `café`) still passes.
 *
 * Look-alike digits (found by attacking the running proxy): `/users/{[0-9]+}` does not match
 * `/users/٣` (Arabic-Indic three) or `/users/३` (Devanagari three), which many backends parse
 * as 3 — so under `unprotected: allow`, or behind a public catch-all, they were forwarded
 * unchecked. Decimal digits other than 0-9 (Unicode Nd) are now refused like the other
 * look-alikes. What no canonicaliser can refuse — `+3`, `03` — `umagate validate` warns about:
 * a protected `{regex}` with a rule behind it that forwards is only as tight as the backend's
 * number parser.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { PolicyError, parsePolicy } from '../../src/policy/index.js';
import { expectRefused, startHarness, useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness({
  policy: `
unprotected: allow
resources:
  - path: /admin
    conditions:
      - httpMethods: [GET]
        scopes: [admin]
  - path: /public/??
    public: true
`,
});

describe('look-alike text is refused, even where unprotected: allow would forward it', () => {
  it.each([
    ['fullwidth dots ．．', '/public/%EF%BC%8E%EF%BC%8E/admin'],
    ['fullwidth solidus ／', '/public%EF%BC%8F..%EF%BC%8Fadmin'],
    ['fullwidth letters ａｄｍｉｎ', '/%EF%BD%81%EF%BD%84%EF%BD%8D%EF%BD%89%EF%BD%8E'],
    ['NFD accent', '/public/cafe%CC%81'],
    ['Kelvin sign K', '/public/%E2%84%AA'],
    ['long s ſ', '/public/%C5%BF'],
    ['ligature ﬁ', '/public/%EF%AC%81le'],
    ['dotless ı', '/adm%C4%B1n'],
    ['dotted İ', '/%C4%B0ADMIN'],
    ['zero-width space', '/adm%E2%80%8Bin'],
    ['soft hyphen', '/adm%C2%ADin'],
    ['BOM', '/%EF%BB%BFadmin'],
    ['no-break space (NFKC: space)', '/public/a%C2%A0b'],
    ['Arabic-Indic digit ٣', '/users/%D9%A3'],
    ['Devanagari digit ३', '/users/%E0%A5%A9'],
    ['Extended Arabic-Indic digit ۳ among ASCII ones', '/users/1%DB%B3'],
    ['Bengali digit ৩ under a public path', '/public/%E0%A7%A9'],
  ])('%s: %s → 400 bad_path', async (_name, target) => {
    const h = harness();
    await expectRefused(h, target, 400, 'bad_path');
  });
});

describe('ordinary non-ASCII text still passes', () => {
  it.each([
    ['/public/%E6%97%A5%E6%9C%AC', '/public/日本'],
    ['/public/stra%C3%9Fe', 'straße'],
    ['/public/caf%C3%A9', 'NFC café'],
  ])('%s (%s) is forwarded', async (target) => {
    const h = harness();
    const res = await h.send(target);
    expect(res.status).toBe(200);
    expect(h.backend.seen.at(-1)?.url).toBe(target);
  });
});

describe('policy literals obey the same rule', () => {
  it('a literal no request could match (fullwidth) is a validation problem, not a dead resource', () => {
    let problems: readonly { readonly message: string }[] = [];
    try {
      parsePolicy('resources:\n  - path: /ａｄｍｉｎ\n    public: true\n', 'p.yaml');
    } catch (err) {
      if (err instanceof PolicyError) problems = err.problems;
    }
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('NFKC')]);
  });
});

describe('a protected {regex} with a forwarding rule behind it', () => {
  const warningsOf = (text: string) => parsePolicy(text, 'p.yaml').warnings.map((w) => ({ at: `${w.line}:${w.column}`, yamlPath: w.yamlPath, code: w.code }));

  it.each([
    ['a public catch-all', 'resources:\n  - path: /users/{[0-9]+}\n    conditions:\n      - httpMethods: [GET]\n        scopes: [read]\n  - path: /users/??\n    public: true\n'],
    ['unprotected: allow', 'unprotected: allow\nresources:\n  - path: /users/{[0-9]+}\n    conditions:\n      - httpMethods: [GET]\n        scopes: [read]\n'],
  ])('is valid but warned about, at the resource path: %s', (_name, text) => {
    const warnings = warningsOf(text);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ yamlPath: expect.stringMatching(/^resources\[0\]\.path$/) as string, code: 'regex_falls_through' });
    expect(warnings[0]?.at).toMatch(/^\d+:11$/);
  });

  it('is logged by the proxy at boot, where no one ran validate', async () => {
    const h = await startHarness({ policy: 'unprotected: allow\nresources:\n  - path: /users/{[0-9]+}\n    conditions:\n      - httpMethods: [GET]\n        scopes: [read]\n' });
    onTestFinished(() => h.close());
    const line = await h.logs.waitFor('the policy warning', (l) => l.msg === 'policy warning');
    expect(line.level).toBe(40);
    expect(String(line.warning)).toMatch(/:3:11 {2}resources\[0\]\.path {2}GET "\/users\/\{\[0-9\]\+\}"/);
  });

  it('is not warned about when nothing behind it forwards', () => {
    expect(warningsOf('resources:\n  - path: /users/{[0-9]+}\n    conditions:\n      - httpMethods: [GET]\n        scopes: [read]\n  - path: /users/?\n    conditions:\n      - httpMethods: [GET]\n        scopes: [admin]\n')).toEqual([]);
  });
});
