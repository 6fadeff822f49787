/**
 * The validated, frozen policy and the answers the policy engine gives. Pure data: no I/O here.
 */
import type { UmaCondition, UmaResource } from '../oxd/types.js';
import type { PolicyProblem } from './errors.js';

export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type UnprotectedMode = 'deny' | 'allow';

/** A resource registered with oxd exactly as written in policies.yaml. */
export interface ProtectedResource {
  readonly kind: 'protected';
  readonly path: string;
  readonly conditions: readonly UmaCondition[];
}

/** Forwarded with no check and never registered. `httpMethods` null means every known method (HTTP_METHODS). */
export interface PublicResource {
  readonly kind: 'public';
  readonly path: string;
  readonly httpMethods: readonly HttpMethod[] | null;
}

export type PolicyResource = ProtectedResource | PublicResource;

export interface Policy {
  /** The file it was loaded from (for messages), or '<inline>'. */
  readonly source: string;
  readonly unprotected: UnprotectedMode;
  readonly resources: readonly PolicyResource[];
  /** What is sent to `uma_rs_protect`: the protected resources, as written. */
  readonly registration: readonly UmaResource[];
  /** sha256 of the canonical JSON of `registration`: equal hash ⇒ nothing to re-register. */
  readonly registrationHash: string;
  /** Valid but probably unintended constructs, located like problems (umagate validate prints them). */
  readonly warnings: readonly PolicyProblem[];
}

/** The answer for one method + canonical match path. */
export type Match =
  | {
      readonly outcome: 'protected';
      readonly pattern: string;
      readonly resource: ProtectedResource;
      readonly condition: UmaCondition;
      /**
       * The method of `condition`, which is what oxd is asked about: the request's own method,
       * or GET for a HEAD judged as the GET it mirrors (see compileMatcher).
       */
      readonly method: string;
    }
  | { readonly outcome: 'public'; readonly pattern: string; readonly resource: PublicResource }
  | { readonly outcome: 'unprotected' };

/**
 * The canonicaliser's answer for one request target (README, *What is matched: the canonical path*).
 * `path` is what is forwarded and logged; `matchPaths` are the readings that must all be
 * allowed (two when the path ends in `/`: with and without the slash).
 */
export type CanonicalTarget =
  | {
      readonly ok: true;
      readonly path: string;
      readonly matchPaths: readonly [string] | readonly [string, string];
      /** The query string as sent, without the leading '?', or null when absent. */
      readonly query: string | null;
    }
  | { readonly ok: false; readonly reason: string };

/** The compiled index of a policy: answers one method + one canonical match path. */
export interface Matcher {
  /**
   * `matchPath` is one of `CanonicalTarget.matchPaths`; `method` is compared case-sensitively.
   * @throws TypeError when `matchPath` does not start with '/' (it did not come from the canonicaliser).
   */
  match(method: string, matchPath: string): Match;
}
