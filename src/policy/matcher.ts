/**
 * Most-specific-wins matching with backtracking. Compared segment by segment, a literal beats a
 * `{regex}`, which beats `?`, which beats `??`; a pattern that ends beats a `??` that matches
 * nothing; a `??` that consumes fewer segments beats one that consumes more. Unlike Gluu
 * Gateway's tree, a branch that dead-ends falls back to its less specific siblings, so a match
 * is found whenever one exists.
 */
import { HTTP_METHODS } from './types.js';
import type { CanonicalTarget, Match, Matcher, Policy } from './types.js';
import { emptyNode, insert, patternOf } from './trie.js';
import type { Terminal, TrieNode } from './trie.js';

// Ranks of what matched at one position of a pattern; lower is more specific.
const LITERAL = 0;
const REGEX = 1;
const ONE = 2;
const END = 3;
const ANY = 4; // + the number of segments consumed

const UNPROTECTED: Match = Object.freeze({ outcome: 'unprotected' });

interface Found {
  readonly terminal: Terminal;
  /** Ranks from the last pattern element back to the first, preceded by the tie-breakers. */
  readonly key: number[];
}

/** Compares two keys root-first (keys are stored leaf-first); negative when `a` is more specific. */
function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let ia = a.length - 1, ib = b.length - 1; ia >= 0 && ib >= 0; ia--, ib--) {
    const d = (a[ia] ?? 0) - (b[ib] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function withRank(found: Found | null, rank: number): Found | null {
  found?.key.push(rank);
  return found;
}

/** One lookup: the request's segments and where each pattern element started. */
class Search {
  readonly segments: readonly string[];
  readonly lowered: readonly string[];
  readonly starts: number[] = [];

  constructor(segments: readonly string[]) {
    this.segments = segments;
    this.lowered = segments.map((s) => s.toLowerCase());
  }

  terminal(node: TrieNode): Terminal | null {
    return node.terminals.find((t) => t.exactLiterals.every((l) => this.segments[this.starts[l.element] ?? -1] === l.text)) ?? null;
  }

  find(node: TrieNode, i: number, depth: number): Found | null {
    this.starts[depth] = i;
    if (i === this.segments.length) {
      const terminal = this.terminal(node);
      if (terminal !== null) return { terminal, key: [terminal.index, terminal.kindRank, END] };
      return node.any === null ? null : withRank(this.find(node.any, i, depth + 1), ANY);
    }
    const segment = this.segments[i] ?? '';
    const literal = node.literal.get(this.lowered[i] ?? '');
    const viaLiteral = literal === undefined ? null : this.find(literal, i + 1, depth + 1);
    if (viaLiteral !== null) return withRank(viaLiteral, LITERAL);
    // `?` and `{regex}` stand for a segment; the empty reading after a trailing slash is none.
    if (segment !== '') {
      const viaRegex = this.bestRegex(node, segment, i, depth);
      if (viaRegex !== null) return withRank(viaRegex, REGEX);
      const viaOne = node.one === null ? null : this.find(node.one, i + 1, depth + 1);
      if (viaOne !== null) return withRank(viaOne, ONE);
    }
    if (node.any === null) return null;
    for (let consumed = 0; i + consumed <= this.segments.length; consumed++) {
      const found = this.find(node.any, i + consumed, depth + 1);
      if (found !== null) return withRank(found, ANY + consumed);
    }
    return null;
  }

  /** Regexes rank equal with each other, so every matching one is explored and the best kept. */
  private bestRegex(node: TrieNode, segment: string, i: number, depth: number): Found | null {
    let best: Found | null = null;
    for (const child of node.regex) {
      if (!child.regex.test(segment)) continue;
      const found = this.find(child.node, i + 1, depth + 1);
      if (found !== null && (best === null || compareKeys(found.key, best.key) < 0)) best = found;
    }
    return best;
  }
}

/** Builds the per-method tries for a validated policy. */
export function compileMatcher(policy: Policy): Matcher {
  const tries = new Map<string, TrieNode>();
  policy.resources.forEach((resource, index) => {
    const methods = resource.kind === 'public' ? (resource.httpMethods ?? HTTP_METHODS) : resource.conditions.flatMap((c) => c.httpMethods);
    const elements = patternOf(resource);
    for (const method of methods) {
      let root = tries.get(method);
      if (root === undefined) {
        root = emptyNode();
        tries.set(method, root);
      }
      insert(root, resource, elements, method, index);
    }
  });
  const lookup = (method: string, matchPath: string): Match => {
    const root = tries.get(method);
    if (root === undefined) return UNPROTECTED;
    return new Search(matchPath.slice(1).split('/')).find(root, 0, 0)?.terminal.match ?? UNPROTECTED;
  };
  return {
    match(method: string, matchPath: string): Match {
      if (!matchPath.startsWith('/')) throw new TypeError(`match path must be canonical (start with "/"): ${matchPath}`);
      const own = lookup(method, matchPath);
      // Backends answer HEAD with their GET handler (RFC 9110 §9.3.2; Node, Express, Spring), so
      // under `unprotected: allow` a HEAD the policy does not name would read a GET-protected
      // resource's headers, and run its handler, unchecked. It is judged as that GET instead.
      if (own.outcome === 'unprotected' && method === 'HEAD' && policy.unprotected === 'allow') {
        const asGet = lookup('GET', matchPath);
        if (asGet.outcome === 'protected') return asGet;
      }
      return own;
    },
  };
}

/** One reading of a target (see CanonicalTarget.matchPaths) and what it matched. */
export interface ReadingMatch {
  readonly reading: string;
  readonly match: Match;
}

/**
 * The distinct matches of every reading of a target (two when it ends in '/'); all must allow.
 * Each comes with the first reading that produced it, so a decision can say which one decided.
 */
export function resolveRequest(matcher: Matcher, method: string, target: CanonicalTarget & { ok: true }): readonly ReadingMatch[] {
  const [first, second] = target.matchPaths;
  const match = matcher.match(method, first);
  if (second === undefined) return [{ reading: first, match }];
  // Matches are shared objects per resource, so identity tells the readings apart.
  const other = matcher.match(method, second);
  return other === match ? [{ reading: first, match }] : [{ reading: first, match }, { reading: second, match: other }];
}
