/**
 * The dev oxd: an in-memory UMA authorization server behind oxd's own wire protocols, for the
 * test suite and the dev sandbox. Never for production.
 */
import type { OxdLogger, OxdProtocol } from '../oxd/types.js';
import type { ClaimDemand } from './claim-demands.js';

/** One fault to inject, applied to matching commands before (or instead of) normal handling. */
export type DevOxdFault =
  /** Close the connection at once, without answering. */
  | { readonly kind: 'refuse' }
  /** Answer normally, but only after `ms` milliseconds. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Answer bytes that are not a valid oxd response (bad framing on the socket, non-JSON over HTTP). */
  | { readonly kind: 'garbage' }
  /** Start a well-formed response, then close the connection half-way through it. */
  | { readonly kind: 'drop_mid_frame' }
  /** Answer oxd's error envelope (per protocol) with this code; `status` for the HTTP protocols. */
  | { readonly kind: 'error'; readonly code: string; readonly description?: string; readonly status?: number }
  /**
   * Answer this `data` as the command's success, in the protocol's success shape (3.x
   * `{status:"ok",data}` keeping nulls, 4.x the bare body with nulls dropped, HTTP 200), without
   * running the command: for answers the dev AS never gives, such as a denial without a ticket.
   */
  | { readonly kind: 'answer'; readonly data: Readonly<Record<string, unknown>> };

export interface FaultRule {
  /** Wire command name (snake_case), or '*' for every command. */
  readonly command: string;
  readonly fault: DevOxdFault;
  /** How many matching calls it applies to; unlimited when absent. */
  readonly times?: number;
}

export interface DevOxdOptions {
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Port of the 3.1.x socket listener: 0 = any free port; null = not started. Default 0. */
  readonly socketPort?: number | null;
  /** Port of the oxd 4.x REST listener: 0 = any; null = not started. Default 0. */
  readonly restPort?: number | null;
  /** Port of the 3.1.x https-extension listener (plain HTTP on loopback): 0 = any; null = not started. Default null. */
  readonly httpsExtensionPort?: number | null;
  /**
   * The AS issuer (`op_host`): `as_uri` of WWW-Authenticate and the host of the URLs the dev oxd
   * builds. Default: the REST listener's URL (else the https-extension's), where the dev AS serves
   * its login, end-session and claims-gathering pages; `https://op.dev-oxd.test` when neither runs.
   */
  readonly opHost?: string;
  /** Require protection tokens as oxd does (socket: `protect_commands_with_access_token`, default false; REST default true). */
  readonly protectCommands?: { readonly socket?: boolean; readonly rest?: boolean; readonly httpsExtension?: boolean };
  /** Lifetime of RPTs in seconds (default 3600). */
  readonly rptLifetimeSeconds?: number;
  /** Lifetime of protection/client tokens in seconds (default 3600). */
  readonly tokenLifetimeSeconds?: number;
  /**
   * Dev and load-test only: every RPT starting with this prefix is granted for every resource and
   * introspects as active for `rptLifetimeSeconds`, so a soak test can present a million distinct
   * granted RPTs without a million grant flows. Unset (the default), only RPTs the dev oxd issued
   * are granted.
   */
  readonly grantingRptPrefix?: string;
  /** Issue RPTs as JWT-shaped strings (header.payload.signature, payload with `exp`) instead of opaque ids. */
  readonly jwtRpts?: boolean;
  /**
   * Scopes whose permissions the dev AS grants only once the `email` claim is known: gathered on
   * the claims-gathering page, or any claim token (uma_rp_get_rpt answers need_info without
   * either). Scopes ending in `#need_info` always behave so.
   */
  readonly claimsRequiredFor?: readonly string[];
  /** Like `claimsRequiredFor`, naming the claim demanded for each scope. */
  readonly claimDemands?: readonly ClaimDemand[];
  /** Serve the HTTP protocols over TLS with this key and certificate (PEM). Default plain HTTP. */
  readonly tls?: TlsMaterial;
  /** How many of the most recent calls `calls` keeps (default 10 000); `count()` stays exact. */
  readonly callLogLimit?: number;
  /** Clock in milliseconds since the epoch (tests inject fake time). Default Date.now. */
  readonly now?: () => number;
  readonly logger?: OxdLogger;
}

export interface TlsMaterial {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
}

export interface DevOxdCall {
  readonly protocol: OxdProtocol;
  readonly command: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface DevOxdFaults {
  add(rule: FaultRule): void;
  clear(): void;
}

/**
 * The token levers of the in-memory AS behind the dev oxd and the dev AS, for fault tests. Real
 * oxd has no revocation command (its AS does); the dev AS also revokes through its RFC 7009
 * revocation endpoint (`revocation_endpoint` in discovery).
 */
export interface DevTokenControls {
  /** Makes every protection token (PAT) and RPT issued so far expire now. */
  expireTokens(): void;
  /**
   * Revokes one protection token or RPT: calls bearing the token are refused as with an inactive
   * one (dev AS: 401 `invalid_token`), and the RPT introspects as `active: false`.
   */
  revokeToken(value: string): void;
  /**
   * Revokes every protection token (and refresh token) issued to this client id so far, as an AS
   * administrator would (Keycloak's not-before revocation); the number of access tokens revoked.
   */
  revokeClientTokens(clientId: string): number;
}

export interface DevOxd extends DevTokenControls {
  /** null when that listener is not started. */
  readonly socketAddress: { readonly host: string; readonly port: number } | null;
  readonly restUrl: string | null;
  readonly httpsExtensionUrl: string | null;
  /** The AS issuer; by default a real URL on loopback serving the dev AS's pages. */
  readonly opHost: string;
  readonly faults: DevOxdFaults;
  /**
   * The most recent commands received, oldest first: at most `callLogLimit` of them, so that a
   * long benchmark does not grow the dev oxd without bound. A live view: it changes as calls come.
   */
  readonly calls: readonly DevOxdCall[];
  /** Exact number of calls of one wire command since start (not bounded like `calls`). */
  count(command: string): number;
  /** Forget every site, resource, ticket and token (oxd restarted with empty storage). */
  wipe(): void;
  /** Stop listening and drop connections, keeping the ports and state (an outage). */
  stop(): Promise<void>;
  /** Listen again on the same ports after stop(). */
  start(): Promise<void>;
  /** Stop for good. */
  close(): Promise<void>;
}
