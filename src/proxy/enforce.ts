/**
 * The decision for one request: request target + method + RPT → forward or reject. No socket
 * work here; server.ts acts on the decision. Every reading of the path (two with a trailing
 * slash) must be allowed, and anything not positively allowed is rejected (fail closed).
 */
import { canonicalizeTarget, resolveRequest } from '../policy/index.js';
import type { Match, ReadingMatch } from '../policy/index.js';
import type { Authorizer } from './authorize.js';
import type { PolicyState } from './policy-state.js';
import type { RptReading } from './request-headers.js';
import { isHeaderValue, type Rejection } from './respond.js';

/** Stable reason id of a forwarded request, for logs and metrics. */
export type ForwardReason = 'public' | 'unprotected_allowed' | 'granted';

export type Decision =
  | {
      readonly kind: 'forward';
      readonly reason: ForwardReason;
      /** Canonical path plus the query as sent: what the backend receives. */
      readonly url: string;
      readonly path: string;
      /** The reading (see CanonicalTarget.matchPaths) whose match is reported as `pattern`. */
      readonly reading: string;
      readonly pattern: string | null;
      readonly cacheHit: boolean;
    }
  | {
      readonly kind: 'reject';
      readonly rejection: Rejection;
      /** Canonical path, or null when the target could not be canonicalised. */
      readonly path: string | null;
      /** The reading that refused, or null when the request was refused before matching. */
      readonly reading: string | null;
      readonly pattern: string | null;
      readonly cacheHit: boolean;
      /** Why, for the log line only (e.g. the oxd failure behind a 503). */
      readonly detail: string | null;
    };

export interface EnforceContext {
  readonly state: PolicyState;
  /** False until the policy has been registered with oxd since boot. */
  readonly registered: boolean;
  readonly authorizer: Authorizer;
  readonly retryAfterSeconds: number;
}

export interface EnforceInput {
  readonly method: string;
  /** `req.url` exactly as received. */
  readonly target: string;
  readonly rpt: RptReading;
  /** Who oxd-bound work is counted against (peer, or forwarded client behind a trusted proxy). */
  readonly client: string;
}

type ReadingVerdict =
  | { readonly allowed: true; readonly reason: ForwardReason; readonly pattern: string | null; readonly cacheHit: boolean }
  | { readonly allowed: false; readonly rejection: Rejection; readonly pattern: string | null; readonly detail: string | null };

export async function decide(ctx: EnforceContext, input: EnforceInput): Promise<Decision> {
  const target = canonicalizeTarget(input.target);
  if (!target.ok) {
    return { kind: 'reject', rejection: { code: 'bad_path', detail: target.reason }, path: null, reading: null, pattern: null, cacheHit: false, detail: target.reason };
  }
  const { path } = target;
  if (input.rpt.kind === 'invalid') {
    return { kind: 'reject', rejection: { code: 'bad_request', detail: input.rpt.detail }, path, reading: null, pattern: null, cacheHit: false, detail: input.rpt.detail };
  }
  const rpt = input.rpt.kind === 'bearer' ? input.rpt.token : null;
  const readings: readonly ReadingMatch[] = resolveRequest(ctx.state.matcher, input.method, target);
  let best: { readonly reason: ForwardReason; readonly pattern: string | null; readonly reading: string } | null = null;
  let cacheHit = true;
  for (const { reading, match } of readings) {
    const verdict = await judge(ctx, match, rpt, input.client);
    if (!verdict.allowed) {
      return { kind: 'reject', rejection: verdict.rejection, path, reading, pattern: verdict.pattern, cacheHit: false, detail: verdict.detail };
    }
    cacheHit &&= verdict.cacheHit;
    // Report the most telling reason: a grant over a public match over an unprotected pass.
    if (best === null || rank(verdict.reason) > rank(best.reason)) best = { reason: verdict.reason, pattern: verdict.pattern, reading };
  }
  if (best === null) {
    // resolveRequest always yields at least one reading; an empty answer must still not forward.
    return { kind: 'reject', rejection: { code: 'internal_error' }, path, reading: null, pattern: null, cacheHit: false, detail: 'no reading' };
  }
  const url = target.query === null ? path : `${path}?${target.query}`;
  return { kind: 'forward', reason: best.reason, url, path, reading: best.reading, pattern: best.pattern, cacheHit: best.reason === 'granted' && cacheHit };
}

function unavailable(ctx: EnforceContext): Rejection {
  return { code: 'authorization_unavailable', retryAfterSeconds: ctx.retryAfterSeconds };
}

function rank(reason: ForwardReason): number {
  return reason === 'granted' ? 2 : reason === 'public' ? 1 : 0;
}

async function judge(ctx: EnforceContext, match: Match, rpt: string | null, client: string): Promise<ReadingVerdict> {
  switch (match.outcome) {
    case 'public':
      return { allowed: true, reason: 'public', pattern: match.pattern, cacheHit: true };
    case 'unprotected':
      return ctx.state.policy.unprotected === 'allow'
        ? { allowed: true, reason: 'unprotected_allowed', pattern: null, cacheHit: true }
        : { allowed: false, rejection: { code: 'unprotected' }, pattern: null, detail: null };
    case 'protected': {
      const pattern = match.pattern;
      if (!ctx.registered) {
        return { allowed: false, rejection: unavailable(ctx), pattern, detail: 'not_registered' };
      }
      // match.method, not the request's: a HEAD judged as GET is asked about (and cached as) GET.
      const outcome = await ctx.authorizer.check({ rpt, method: match.method, pattern, generation: ctx.state.generation, client });
      switch (outcome.kind) {
        case 'granted':
          return { allowed: true, reason: 'granted', pattern, cacheHit: outcome.cacheHit };
        case 'ticket':
          // oxd's header goes out verbatim, so one holding CR/LF would split the response
          // (the upgrade path writes raw bytes): an answer like that is garbage, hence 503.
          if (!isHeaderValue(outcome.wwwAuthenticate)) {
            return { allowed: false, rejection: unavailable(ctx), pattern, detail: 'oxd sent a WWW-Authenticate value that is not a valid header value' };
          }
          return { allowed: false, rejection: { code: 'uma_ticket', ticket: outcome.ticket, wwwAuthenticate: outcome.wwwAuthenticate }, pattern, detail: null };
        case 'forbidden':
          return { allowed: false, rejection: { code: 'uma_forbidden' }, pattern, detail: null };
        case 'unavailable':
          return { allowed: false, rejection: unavailable(ctx), pattern, detail: outcome.error.reason };
        case 'shed':
          return { allowed: false, rejection: { code: 'too_many_requests', retryAfterSeconds: outcome.error.retryAfterSeconds }, pattern, detail: outcome.error.reason };
      }
    }
  }
}
