/**
 * The policy in force, compiled, with its generation number. Swapped as one immutable value so
 * a request sees either the old or the new policy, never a mix.
 */
import { compileMatcher } from '../policy/index.js';
import type { Policy } from '../policy/index.js';

export type Matcher = ReturnType<typeof compileMatcher>;

export interface PolicyState {
  readonly policy: Policy;
  readonly matcher: Matcher;
  /** 1 at boot, +1 per applied reload; part of every decision-cache key. */
  readonly generation: number;
  /** sha256 of the file text the policy came from (reloads of identical text are no-ops). */
  readonly textHash: string;
}

export function compileState(policy: Policy, generation: number, textHash: string): PolicyState {
  return Object.freeze({ policy, matcher: compileMatcher(policy), generation, textHash });
}
