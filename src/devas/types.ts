/**
 * The dev UMA 2.0 AS: the dev oxd's in-memory authorization server given the standard UMA 2.0
 * endpoints over plain HTTP on loopback, in the dialect of Keycloak, Janssen/Gluu or the specs.
 * For tests and `umagate dev --authz uma2`. Never for production.
 */

import type { ClaimDemand } from '../devoxd/claim-demands.js';
import type { DevTokenControls } from '../devoxd/types.js';

export type DevAsDialect = 'keycloak' | 'janssen' | 'strict';

/** The endpoints a call can address; fault rules and counters name them. */
export type DevAsEndpoint = 'discovery' | 'token' | 'revocation' | 'resource_registration' | 'permission' | 'introspection' | 'jwks';

export type DevAsFault =
  /** Close the connection at once, without answering. */
  | { readonly kind: 'refuse' }
  /** Answer normally, but only after `ms` milliseconds. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Answer this status and JSON body instead (e.g. 500, or a UMA 1.0 discovery document). */
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown }
  /** Answer 200 with text that is not JSON. */
  | { readonly kind: 'garbage' }
  /** Answer 200 with an HTML page, as a login page or a proxy's error page would. */
  | { readonly kind: 'html' };

export interface DevAsFaultRule {
  /** The endpoint, or '*' for every one. */
  readonly endpoint: DevAsEndpoint | '*';
  readonly fault: DevAsFault;
  /** How many matching calls it applies to; unlimited when absent. */
  readonly times?: number;
}

export interface DevAsOptions {
  /** Default `strict`. */
  readonly dialect?: DevAsDialect;
  /**
   * Load tests only: every RPT starting with this prefix introspects as active, holding every
   * registered resource with all its scopes, for `rptLifetimeSeconds` — so a soak can present a
   * million distinct granted RPTs without a million grant flows. Unset (the default), only RPTs
   * the dev AS issued are active.
   */
  readonly grantingRptPrefix?: string;
  /** Interface to bind (default 127.0.0.1); port 0 = any free port (the default). */
  readonly host?: string;
  readonly port?: number;
  /** Keycloak's realm name (issuer `/realms/<realm>`). Default `umagate`. */
  readonly realm?: string;
  /** Lifetime of PATs in seconds (default 300, Keycloak's). */
  readonly tokenLifetimeSeconds?: number;
  /** Lifetime of RPTs in seconds (default 3600). */
  readonly rptLifetimeSeconds?: number;
  /** Janssen: lifetime of a resource registered without `exp` (default 30 days, Janssen's). */
  readonly resourceLifetimeSeconds?: number;
  /** Issue RPTs as ES256 JWTs verifiable against `jwks_uri`, instead of opaque strings. */
  readonly jwtRpts?: boolean;
  /**
   * Scopes granted only once the requesting party's `email` is known (the uma-ticket grant
   * answers need_info until the claims-gathering page or a pushed claim token supplies it).
   * Scopes ending in `#need_info` always behave so.
   */
  readonly claimsRequiredFor?: readonly string[];
  /** Like `claimsRequiredFor`, naming the claim demanded for each scope. */
  readonly claimDemands?: readonly ClaimDemand[];
  /** Scopes the AS never grants: the uma-ticket grant answers request_denied (in the dialect's words). */
  readonly deniedScopes?: readonly string[];
  /** Scopes a resource owner must approve first: the grant answers request_submitted. */
  readonly submittedScopes?: readonly string[];
  /** How many of the most recent calls `calls` keeps (default 10 000); `count()` stays exact. */
  readonly callLogLimit?: number;
  /** Clock in milliseconds since the epoch (tests inject fake time). Default Date.now. */
  readonly now?: () => number;
}

/** How a call authenticated: client Basic, client credentials in the form, a bearer token, or none. */
export type DevAsAuth = 'basic' | 'client_secret_post' | 'bearer' | 'none';

export interface DevAsCall {
  readonly endpoint: DevAsEndpoint;
  readonly method: string;
  readonly path: string;
  readonly auth: DevAsAuth;
  /** Form fields (secrets and tokens replaced by `***`) or the JSON body, as received. */
  readonly body: unknown;
  readonly status: number;
}

export interface DevAsClientInit {
  /** Default: a generated id and secret. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Whether the client may hold `uma_protection` (Keycloak role, Janssen scope). Default true. */
  readonly umaProtection?: boolean;
  /** Where the claims-gathering page may send the requesting party back (exact match). */
  readonly claimsRedirectUris?: readonly string[];
}

export interface DevAsClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface DevAsFaults {
  add(rule: DevAsFaultRule): void;
  clear(): void;
}

/** A registered resource as the AS holds it, for tests' assertions. */
export interface DevAsResource {
  readonly id: string;
  readonly owner: string;
  readonly name: string | undefined;
  readonly type: string | undefined;
  readonly scopes: readonly string[];
  readonly scopeExpression: string | undefined;
  /** Janssen: epoch seconds after which the resource is gone. */
  readonly exp: number | undefined;
}

export interface DevAs extends DevTokenControls {
  readonly dialect: DevAsDialect;
  /** Origin of the listener, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly faults: DevAsFaults;
  /** A client (the resource server, and the requesting party in the dev walkthrough). */
  createClient(init?: DevAsClientInit): DevAsClient;
  /** Keycloak's "Remote Resource Management" switch (on by default). */
  setRemoteResourceManagement(enabled: boolean): void;
  /** The resources registered now, oldest first. */
  resources(): readonly DevAsResource[];
  /** The most recent calls, oldest first (at most `callLogLimit`). A live view. */
  readonly calls: readonly DevAsCall[];
  /** Exact number of calls to an endpoint since start, optionally of one HTTP method. */
  count(endpoint: DevAsEndpoint, method?: string): number;
  /** Forgets every client, resource, ticket and token (an AS restarted empty). */
  wipe(): void;
  /** Stop listening and drop connections, keeping the port and state (an outage). */
  stop(): Promise<void>;
  /** Listen again on the same port after stop(). */
  start(): Promise<void>;
  /** Stop for good. */
  close(): Promise<void>;
}
