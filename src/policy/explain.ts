/**
 * `umagate explain`: what the proxy would do with one request, offline. The answer mirrors the
 * proxy: the request target is canonicalised, every reading is matched, and the strictest
 * reading decides.
 */
import { canonicalizeTarget } from './canonical.js';
import { compileMatcher } from './matcher.js';
import type { Match, Policy } from './types.js';

export type Outcome = 'protected' | 'public' | 'unprotected' | 'bad_path';

export interface Reading {
  /** The decoded path this reading matched (with or without the trailing slash). */
  readonly matchPath: string;
  readonly outcome: Exclude<Outcome, 'bad_path'>;
  readonly pattern: string | null;
  readonly scopes: readonly string[];
}

/** What `umagate explain --json` prints (README, *Trying a request*), plus `path` (canonical) and `readings` when a trailing slash splits them. */
export interface Explanation {
  readonly outcome: Outcome;
  readonly pattern: string | null;
  readonly method: string;
  readonly scopes: readonly string[];
  /** Only for bad_path: why the target was refused. */
  readonly reason?: string;
  /** The canonical path the proxy forwards; absent for bad_path. */
  readonly path?: string;
  /** Present when the two readings of a trailing-slash path match differently. */
  readonly readings?: readonly Reading[];
}

function reading(matchPath: string, match: Match): Reading {
  switch (match.outcome) {
    case 'protected':
      return {
        matchPath,
        outcome: 'protected',
        pattern: match.pattern,
        scopes: match.condition.scopes ?? match.condition.scope_expression?.data ?? [],
      };
    case 'public':
      return { matchPath, outcome: 'public', pattern: match.pattern, scopes: [] };
    case 'unprotected':
      return { matchPath, outcome: 'unprotected', pattern: null, scopes: [] };
  }
}

/** How much a reading restricts the request: the proxy needs every reading to allow. */
function strictness(r: Reading, policy: Policy): number {
  if (r.outcome === 'unprotected') return policy.unprotected === 'deny' ? 2 : 0;
  return r.outcome === 'protected' ? 1 : 0;
}

export function explain(policy: Policy, method: string, rawTarget: string): Explanation {
  const target = canonicalizeTarget(rawTarget);
  if (!target.ok) {
    return { outcome: 'bad_path', pattern: null, method, scopes: [], reason: target.reason };
  }
  const matcher = compileMatcher(policy);
  const matches = target.matchPaths.map((p) => matcher.match(method, p));
  const readings = matches.map((m, i) => reading(target.matchPaths[i] ?? '', m));
  const decisive = readings.reduce((a, b) => (strictness(b, policy) > strictness(a, policy) ? b : a));
  return {
    outcome: decisive.outcome,
    pattern: decisive.pattern,
    method,
    scopes: decisive.scopes,
    path: target.path,
    // Matches are shared objects per resource, so identity tells the readings apart.
    ...(new Set(matches).size > 1 ? { readings } : {}),
  };
}
