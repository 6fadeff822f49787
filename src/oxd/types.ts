/**
 * Public types of the oxd client: options, command parameters (oxd-python's arguments, camelCase)
 * and results (oxd's own field names, never the `{status,data}` envelope).
 */
import type { OxdClientSettings } from './settings.js';

/** Wire protocol: oxd 3.1.x socket, oxd 3.1.x https-extension, or oxd 4.x REST. */
export type OxdProtocol = 'socket' | 'https-extension' | 'rest';

/** Minimal logger seam (pino-compatible) so the library never prints on its own. */
export interface OxdLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** One UMA resource exactly as `uma_rs_protect` takes it (docs/oxd-protocols.md, *uma_rs_protect*). */
export interface UmaResource {
  readonly path: string;
  readonly conditions: readonly UmaCondition[];
  readonly iat?: number;
  readonly exp?: number;
}

export interface UmaCondition {
  readonly httpMethods: readonly string[];
  readonly scopes?: readonly string[];
  readonly ticketScopes?: readonly string[];
  readonly scope_expression?: { readonly rule: unknown; readonly data: readonly string[] };
}

/**
 * `uma_rs_check_access`'s answer. The third variant ("denied without ticket") is in oxd's docs and
 * oxd-python's docstrings though oxd-server never sends it; it is typed so that the proxy can map
 * it to 403 `uma_forbidden` instead of treating it as a malformed answer.
 */
export type CheckAccessResult =
  | { readonly access: 'granted' }
  | { readonly access: 'denied'; readonly ticket: string; readonly wwwAuthenticate: string }
  | { readonly access: 'denied'; readonly ticket: null; readonly wwwAuthenticate: null };

/** What `setup_client` (3.1.x) or `register_site` (4.x) returns about the client. */
export interface ClientRegistration {
  readonly oxd_id: string;
  readonly op_host?: string;
  readonly client_id?: string;
  readonly client_secret?: string;
  readonly client_registration_access_token?: string;
  readonly client_registration_client_uri?: string;
  readonly client_id_issued_at?: number;
  readonly client_secret_expires_at?: number;
  readonly setup_client_oxd_id?: string;
  readonly client_id_of_oxd_id?: string;
  readonly client_name?: string;
}

export interface TokenResult {
  readonly access_token: string;
  readonly expires_in: number;
  readonly refresh_token?: string;
  /** Always an array: 3.x sends a space-separated string, 4.x an array. */
  readonly scope: readonly string[];
}

export interface TokensByCodeResult {
  readonly access_token: string;
  readonly expires_in: number;
  readonly id_token: string;
  readonly refresh_token?: string;
  readonly id_token_claims: Readonly<Record<string, unknown>>;
}

export interface IntrospectionResult {
  readonly active: boolean;
  readonly exp?: number;
  readonly iat?: number;
  readonly client_id?: string;
  readonly scope?: readonly string[];
  readonly [claim: string]: unknown;
}

export interface RptPermission {
  readonly resource_id: string;
  readonly resource_scopes: readonly string[];
  readonly exp?: number;
}

export interface RptIntrospectionResult {
  readonly active: boolean;
  readonly exp?: number;
  readonly iat?: number;
  readonly nbf?: number | null;
  readonly permissions?: readonly RptPermission[];
  readonly client_id?: string;
  readonly [claim: string]: unknown;
}

export interface RptResult {
  readonly access_token: string;
  readonly token_type: string;
  readonly pct?: string;
  readonly updated?: boolean | null;
}

export interface NeedInfoResult {
  readonly error: 'need_info';
  readonly ticket: string;
  readonly required_claims: readonly Readonly<Record<string, unknown>>[];
  /** Where to send the user for claims gathering; UMA makes it optional. */
  readonly redirect_user?: string;
}

export interface RpInfo {
  /** The registered site as oxd stores it (`get_rp` → `node`). */
  readonly node: Readonly<Record<string, unknown>>;
}

export type { OxdClientSettings } from './settings.js';

/** Options shared by every protocol of `new OxdClient(options)`. */
export interface OxdClientCommonOptions {
  /** The registered site (`[oxd] id`); null or absent until registerSite/setupClient. */
  readonly oxdId?: string | null;
  /** The client settings (`[client]` section, camelCase). */
  readonly client?: OxdClientSettings;
  /** Per-call deadline in milliseconds (default 5000). */
  readonly timeoutMs?: number;
  readonly logger?: OxdLogger;
  /** Clock in milliseconds since the epoch, for protection-token expiry (default Date.now). */
  readonly now?: () => number;
}

export type OxdClientOptions = OxdClientCommonOptions &
  (
    | {
        readonly protocol: 'socket';
        readonly host?: string;
        readonly port?: number;
        /** Connections kept for concurrent calls, one call in flight on each (default 4). */
        readonly poolSize?: number;
      }
    | {
        readonly protocol: 'https-extension' | 'rest';
        /** e.g. https://oxd.example.org:8443/ */
        readonly baseUrl: string;
        /** Extra CA bundle (PEM file) trusted besides the system CAs. */
        readonly caFile?: string;
        readonly insecureSkipTlsVerify?: boolean;
      }
  );

export interface GetClientTokenOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly opHost?: string;
  readonly opDiscoveryPath?: string;
  /** Default ['openid', 'oxd'] (oxd 4.x requires `oxd`). */
  readonly scope?: readonly string[];
  readonly authenticationMethod?: string;
  readonly algorithm?: string;
  readonly keyId?: string;
}

/** Per-call options of the commands a caller may bound with its own deadline. */
export interface OxdCallOptions {
  /**
   * Ends the call early, cancelling the request in flight (the ini's `timeout_ms` still bounds
   * it): the call rejects with the signal's reason when that is an `OxdError`, else `oxd_timeout`.
   */
  readonly signal?: AbortSignal;
}

export interface RegisterSiteOptions extends OxdCallOptions {
  /** Register even when an oxd id is already stored. */
  readonly force?: boolean;
}

export interface UpdateSiteOptions {
  readonly clientSecretExpiresAt?: number;
}

export interface AuthorizationUrlOptions {
  readonly acrValues?: readonly string[];
  readonly prompt?: string;
  readonly scope?: readonly string[];
  /** Sent as oxd's `custom_parameters`. */
  readonly customParams?: Readonly<Record<string, string>>;
}

export interface LogoutUriOptions {
  readonly idTokenHint?: string;
  readonly postLogoutRedirectUri?: string;
  readonly state?: string;
  readonly sessionState?: string;
}

export interface UmaRsProtectOptions extends OxdCallOptions {
  /** Replace every resource already registered for the oxd id. */
  readonly overwrite?: boolean;
}

export interface UmaRpGetRptOptions {
  readonly claimToken?: string;
  readonly claimTokenFormat?: string;
  readonly pct?: string;
  readonly rpt?: string;
  readonly scope?: readonly string[];
  readonly state?: string;
}

/** Commands whose whole answer is the site they acted on. */
export interface SiteResult {
  readonly oxd_id: string;
}

export type UmaRpGetRptResult = RptResult | NeedInfoResult;
