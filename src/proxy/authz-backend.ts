/**
 * The seam between the proxy and whatever answers "is this granted?": oxd (the default) or the
 * UMA 2.0 authorization server itself (direct mode). Everything else — enforce, the decision
 * cache, single-flight, drift repair, respond, logs, metrics, reload, drain, admin — is shared
 * and lives on the proxy's side of this interface; the guard (deadline, retry, breaker) wraps
 * every call a backend makes.
 */
import type { Policy } from '../policy/index.js';
import type { OxdCaller } from './oxd-capacity.js';
import type { ProbeCall } from './oxd-guard.js';

/** One protected match to decide. */
export interface AuthzQuery {
  /** The RPT, or null when the request carried none (the backend is still asked, for a ticket). */
  readonly rpt: string | null;
  /** sha256 of the RPT (decision-cache.ts hashToken), null with no RPT: the key of per-token caches. */
  readonly tokenHash: string | null;
  /** The method judged (a HEAD judged as GET is asked about as GET). */
  readonly method: string;
  /** The matched pattern string, as registered. */
  readonly pattern: string;
  /** The request the calls are made for: its lane and client bound (oxd-capacity.ts), in either mode. */
  readonly caller: OxdCaller;
}

/**
 * A backend's answer. Failures to answer at all (unreachable, timeout, garbage, breaker open)
 * are thrown, as AuthorizationUnavailableError where the guard translated them.
 */
export type AuthzAnswer =
  /** `lifetimeMs`: how long this grant may still be cached (≤ 0: not at all); null when unknown. */
  | { readonly kind: 'granted'; readonly lifetimeMs: number | null }
  | { readonly kind: 'ticket'; readonly ticket: string; readonly wwwAuthenticate: string }
  | { readonly kind: 'forbidden' }
  /** The backend does not know the resource asked about: it lost (part of) the registration. */
  | { readonly kind: 'drift'; readonly cause: unknown };

export type RegistrationResult = 'registered' | 'unchanged';

/** The AS resource id one (pattern, condition) was registered under (direct mode). */
export interface RegisteredId {
  readonly pattern: string;
  /** The condition's methods, in policy order: with the pattern, what names the condition. */
  readonly methods: readonly string[];
  readonly id: string;
}

/** Which service stands behind the guard, for readiness reports, metrics and log messages. */
export type AuthzService = 'oxd' | 'as';

/** How logs and error messages name the service that decides. */
export function serviceName(service: AuthzService): string {
  return service === 'oxd' ? 'oxd' : 'the authorization server';
}

export interface AuthzBackend {
  readonly service: AuthzService;
  /** One decision. Never cached here beyond per-token facts (RPT lifetime, introspection). */
  check(query: AuthzQuery): Promise<AuthzAnswer>;
  /** Makes the service hold the policy's resources (boot, reload); writes only what differs. */
  register(policy: Policy): Promise<RegistrationResult>;
  /** After drift: makes the service hold the policy again, whatever it believes it holds. */
  repair(policy: Policy): Promise<void>;
  /**
   * What a traffic process needs besides the policy to decide under the registration in force:
   * direct mode, the AS resource id of each (pattern, condition); oxd, nothing (it is asked by path).
   */
  registeredIds(): readonly RegisteredId[];
  /** A cheap, side-effect-free call for the breaker's background probe; null: nothing yet. */
  probe(): ProbeCall | null;
  /** Forgets per-token facts (a policy reload or re-registration empties every cache). */
  clear(): void;
  /** What the boot log says about the service once the policy is registered. */
  describe(): Readonly<Record<string, unknown>>;
  close(): Promise<void>;
}
