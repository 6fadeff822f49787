/**
 * A brute-force matcher written straight from the precedence rules, to check the trie against:
 * it tries every resource and every way its pattern can cover the path, ranks each way, and
 * keeps the best.
 */
import { parsePattern } from '../../src/policy/pattern.js';
import { HTTP_METHODS } from '../../src/policy/index.js';
import type { Policy, PolicyResource } from '../../src/policy/index.js';

// Rank per pattern element, lower = more specific: literal, {regex}, ?, end of pattern, ?? (+ segments taken).
const LITERAL = 0;
const REGEX = 1;
const ONE = 2;
const END = 3;
const ANY = 4;

function covers(resource: PolicyResource, method: string): boolean {
  if (resource.kind === 'public') return (resource.httpMethods ?? HTTP_METHODS).some((m) => m === method);
  return resource.conditions.some((c) => c.httpMethods.includes(method));
}

/** Every ranking of every way the pattern covers the segments. */
function rankings(resource: PolicyResource, segments: readonly string[]): number[][] {
  const parsed = parsePattern(resource.path);
  if (!parsed.ok) throw new Error(`bad pattern ${resource.path}`);
  const elements = parsed.elements;
  const out: number[][] = [];
  const walk = (e: number, i: number, key: number[]): void => {
    const element = elements[e];
    if (element === undefined) {
      if (i === segments.length) out.push([...key, END]);
      return;
    }
    const segment = segments[i];
    switch (element.kind) {
      case 'literal': {
        if (segment === undefined) return;
        const same = resource.kind === 'protected' ? segment.toLowerCase() === element.text.toLowerCase() : segment === element.text;
        if (same) walk(e + 1, i + 1, [...key, LITERAL]);
        return;
      }
      case 'regex':
        if (segment !== undefined && segment !== '' && element.regex.test(segment)) walk(e + 1, i + 1, [...key, REGEX]);
        return;
      case 'one':
        if (segment !== undefined && segment !== '') walk(e + 1, i + 1, [...key, ONE]);
        return;
      case 'any':
        for (let k = 0; i + k <= segments.length; k++) walk(e + 1, i + k, [...key, ANY + k]);
        return;
    }
  };
  walk(0, 0, []);
  return out;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The index of the winning resource, or null when nothing matches. */
export function referenceMatch(policy: Policy, method: string, matchPath: string): number | null {
  const segments = matchPath.slice(1).split('/');
  let best: { key: number[]; index: number } | null = null;
  for (const [index, resource] of policy.resources.entries()) {
    if (!covers(resource, method)) continue;
    for (const ranking of rankings(resource, segments)) {
      // Ties: protected before public, then file order.
      const key = [...ranking, resource.kind === 'protected' ? 0 : 1, index];
      if (best === null || compare(key, best.key) < 0) best = { key, index };
    }
  }
  return best?.index ?? null;
}
