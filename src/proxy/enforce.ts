/**
 * The decision for one request: request target + method + RPT → forward or reject. No socket
 * work here; server.ts acts on the decision. Every reading of the path (two with a trailing
 * slash) must be allowed, and anything not positively allowed is rejected (fail closed).
 */
import { canonicalizeTarget, resolveRequest } from '../policy/index.js';
import type { Match, ReadingMatch } from '../policy/index.js';
import type { AccessOutcome, Authorizer } from './authorize.js';
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

/**
 * Synchronous when no reading needs oxd (public, unprotected, cached grants: the hot path, with
 * no promise and no microtask); a promise once one does.
 */
export function decide(ctx: EnforceContext, input: EnforceInput): Decision | Promise<Decision> {
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
  const tally = new Tally(path, target.query);
  for (let i = 0; i < readings.length; i++) {
    const current = readings[i];
    if (current === undefined) continue;
    const verdict = judge(ctx, current.match, rpt, input.client);
    if (verdict instanceof Promise) return decideRest(ctx, verdict, current.reading, readings.slice(i + 1), { rpt, client: input.client }, tally);
    const rejected = tally.add(verdict, current.reading);
    if (rejected !== null) return rejected;
  }
  return tally.decision();
}

/** The readings left once one needed oxd: judged one after the other, in order. */
async function decideRest(
  ctx: EnforceContext,
  pending: Promise<ReadingVerdict>,
  pendingReading: string,
  rest: readonly ReadingMatch[],
  asker: { readonly rpt: string | null; readonly client: string },
  tally: Tally,
): Promise<Decision> {
  const first = tally.add(await pending, pendingReading);
  if (first !== null) return first;
  for (const { reading, match } of rest) {
    const rejected = tally.add(await judge(ctx, match, asker.rpt, asker.client), reading);
    if (rejected !== null) return rejected;
  }
  return tally.decision();
}

/** Every reading must be allowed; the decision reports the most telling reason. */
class Tally {
  readonly #path: string;
  readonly #query: string | null;
  #best: { readonly reason: ForwardReason; readonly pattern: string | null; readonly reading: string } | null = null;
  #cacheHit = true;

  constructor(path: string, query: string | null) {
    this.#path = path;
    this.#query = query;
  }

  /** The rejection when this reading is not allowed, else null. */
  add(verdict: ReadingVerdict, reading: string): Decision | null {
    if (!verdict.allowed) {
      return { kind: 'reject', rejection: verdict.rejection, path: this.#path, reading, pattern: verdict.pattern, cacheHit: false, detail: verdict.detail };
    }
    this.#cacheHit &&= verdict.cacheHit;
    // Report the most telling reason: a grant over a public match over an unprotected pass.
    if (this.#best === null || rank(verdict.reason) > rank(this.#best.reason)) this.#best = { reason: verdict.reason, pattern: verdict.pattern, reading };
    return null;
  }

  decision(): Decision {
    const best = this.#best;
    const path = this.#path;
    if (best === null) {
      // resolveRequest always yields at least one reading; an empty answer must still not forward.
      return { kind: 'reject', rejection: { code: 'internal_error' }, path, reading: null, pattern: null, cacheHit: false, detail: 'no reading' };
    }
    const url = this.#query === null ? path : `${path}?${this.#query}`;
    return { kind: 'forward', reason: best.reason, url, path, reading: best.reading, pattern: best.pattern, cacheHit: best.reason === 'granted' && this.#cacheHit };
  }
}

function unavailable(ctx: EnforceContext): Rejection {
  return { code: 'authorization_unavailable', retryAfterSeconds: ctx.retryAfterSeconds };
}

function rank(reason: ForwardReason): number {
  return reason === 'granted' ? 2 : reason === 'public' ? 1 : 0;
}

// Verdicts are never mutated (every field is readonly): these are shared by every request.
const UNPROTECTED_ALLOWED: ReadingVerdict = { allowed: true, reason: 'unprotected_allowed', pattern: null, cacheHit: true };
const UNPROTECTED_DENIED: ReadingVerdict = { allowed: false, rejection: { code: 'unprotected' }, pattern: null, detail: null };

function judge(ctx: EnforceContext, match: Match, rpt: string | null, client: string): ReadingVerdict | Promise<ReadingVerdict> {
  switch (match.outcome) {
    case 'public':
      return { allowed: true, reason: 'public', pattern: match.pattern, cacheHit: true };
    case 'unprotected':
      return ctx.state.policy.unprotected === 'allow' ? UNPROTECTED_ALLOWED : UNPROTECTED_DENIED;
    case 'protected': {
      const pattern = match.pattern;
      if (!ctx.registered) {
        return { allowed: false, rejection: unavailable(ctx), pattern, detail: 'not_registered' };
      }
      // match.method, not the request's: a HEAD judged as GET is asked about (and cached as) GET.
      const outcome = ctx.authorizer.check({ rpt, method: match.method, pattern, generation: ctx.state.generation, client });
      return outcome instanceof Promise ? outcome.then((o) => verdictOf(ctx, o, pattern)) : verdictOf(ctx, outcome, pattern);
    }
  }
}

function verdictOf(ctx: EnforceContext, outcome: AccessOutcome, pattern: string): ReadingVerdict {
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
