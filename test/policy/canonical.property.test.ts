/**
 * Properties of the canonicaliser over request targets built from the characters attacks use.
 * The backend models resolve dot segments (RFC 3986 §5.2.4) and percent-decode as Node, Express
 * and nginx do; whatever we accept, they must read as the path we matched.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalizeTarget } from '../../src/policy/index.js';

const TOKENS = [
  '/', '/', '/', 'a', 'B', 'é', '.', '..', '%2e', '%2E', '%2f', '%2F', '%5c', '\\', ';', 'x=1', '%3b', '%3B',
  '%41', '%61', '%7e', '~', '-', '%00', '%0a', '%7f', '%c0%ae', '%c3%a9', '%e2%82%ac', '%80', '%zz', '%', ' ',
  '\t', '#', '?', '%3f', '%25', '%20', '*', ':', '@', '\u0000', '%c2%85',
];

// Mostly-benign pieces, so that a good share of the generated targets is accepted.
const BENIGN = ['/', '/', 'a', 'B', '.', 'a.b', '-', '~', '%41', '%7e', '%c3%a9', '%e2%82%ac', '%20', '%25', '%3f', ';', 'x=1', '*', ':', '@', '?'];

const target = fc
  .oneof(fc.array(fc.constantFrom(...TOKENS), { maxLength: 12 }), fc.array(fc.constantFrom(...BENIGN), { maxLength: 12 }))
  .map((parts) => `/${parts.join('')}`);

/** RFC 3986 §5.2.4 remove_dot_segments. */
function removeDotSegments(path: string): string {
  let input = path;
  let output = '';
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../')) {
      input = input.slice(3);
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else if (input === '/..') {
      input = '/';
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', 1);
      const end = next === -1 ? input.length : next;
      output += input.slice(0, end);
      input = input.slice(end);
    }
  }
  return output;
}

/** Percent-decoding as decodeURIComponent does (Express route params, nginx's $uri). */
function percentDecode(path: string): string {
  return decodeURIComponent(path);
}

function hasCodeIn(text: string, low: number, high: number): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= low && code <= high) return true;
  }
  return false;
}

function pathOf(raw: string): string {
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

/** nginx: decode first, then resolve dots (and merge slashes). */
function nginxView(path: string): string {
  return removeDotSegments(percentDecode(path)).replace(/\/{2,}/g, '/');
}

/** Express/Node: resolve dots on the raw path, then decode. */
function expressView(path: string): string {
  return percentDecode(removeDotSegments(path));
}

/** Tomcat/Spring: strip `;` parameters per segment, then decode, then resolve dots. */
function tomcatView(path: string): string {
  return removeDotSegments(percentDecode(path.split('/').map((s) => s.split(';')[0] ?? '').join('/')));
}

describe('canonicalizeTarget properties', () => {
  it('returns a fixed point: canonicalising the canonical target changes nothing', () => {
    fc.assert(
      fc.property(target, (raw) => {
        const first = canonicalizeTarget(raw);
        if (!first.ok) return;
        const again = canonicalizeTarget(first.query === null ? first.path : `${first.path}?${first.query}`);
        expect(again).toEqual(first);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with backends that resolve dot segments and percent-decode', () => {
    fc.assert(
      fc.property(target, (raw) => {
        const result = canonicalizeTarget(raw);
        if (!result.ok) return;
        const rawPath = pathOf(raw);
        // Whatever the backend does to what we forward, it does the same to what was sent…
        for (const view of [nginxView, expressView, tomcatView]) expect(view(result.path)).toBe(view(rawPath));
        // …and the backend that strips parameters arrives at exactly the path we matched.
        expect(tomcatView(result.path)).toBe(result.matchPaths[0]);
        if (!rawPath.includes(';')) {
          expect(nginxView(rawPath)).toBe(result.matchPaths[0]);
          expect(expressView(rawPath)).toBe(result.matchPaths[0]);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('never accepts an encoded slash or backslash, a dot segment, NUL or a control character', () => {
    fc.assert(
      fc.property(target, (raw) => {
        const result = canonicalizeTarget(raw);
        if (!result.ok) return;
        const rawPath = pathOf(raw);
        expect(rawPath).not.toMatch(/%2f|%5c|%00|%0a|%7f|%c2%85|\\/i);
        expect(raw).not.toContain('#');
        expect(hasCodeIn(raw, 0x00, 0x20) || hasCodeIn(raw, 0x7f, 0x7f)).toBe(false);
        for (const matchPath of result.matchPaths) {
          expect(matchPath.split('/').some((s) => s === '.' || s === '..')).toBe(false);
          expect(matchPath).not.toContain('\\');
          expect(hasCodeIn(matchPath, 0x00, 0x1f) || hasCodeIn(matchPath, 0x7f, 0x9f)).toBe(false);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('gives the with-slash and without-slash readings exactly when the path ends in "/"', () => {
    fc.assert(
      fc.property(target, (raw) => {
        const result = canonicalizeTarget(raw);
        if (!result.ok || result.path === '/') return;
        const endsWithSlash = result.path.endsWith('/');
        expect(result.matchPaths).toHaveLength(endsWithSlash ? 2 : 1);
        if (endsWithSlash) expect(result.matchPaths[1]).toBe(result.matchPaths[0].slice(0, -1));
      }),
      { numRuns: 2000 },
    );
  });

  // Plain targets take a shortcut; spelling one letter as its (unreserved) escape forces the
  // full walk, which must give the very same answer.
  it('reads a plain target as the full walk reads it once a letter is percent-encoded', () => {
    const plain = fc.array(fc.constantFrom('/', '/', 'a', 'Z', '0', '.', '..', '-', '~', '*', ':', '@', '!', 'x=1', '?', '&'), { maxLength: 12 }).map((parts) => `/${parts.join('')}`);
    fc.assert(
      fc.property(plain, (raw) => {
        const path = pathOf(raw);
        const letter = path.search(/[A-Za-z0-9]/);
        fc.pre(letter !== -1);
        const escaped = `${raw.slice(0, letter)}%${raw.charCodeAt(letter).toString(16).toUpperCase()}${raw.slice(letter + 1)}`;
        expect(canonicalizeTarget(raw)).toEqual(canonicalizeTarget(escaped));
      }),
      { numRuns: 2000 },
    );
  });
});
