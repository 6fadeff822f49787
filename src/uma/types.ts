/**
 * The public shapes of the UMA 2.0 client. Field names are the protocol's own (snake_case), as
 * the Kantara UMA 2.0 specs and RFC 8414 spell them, so values read like the wire.
 */

/** The documented differences between authorization servers the client adapts to. */
export type AsDialect = 'keycloak' | 'janssen' | 'strict';

/** How the caller will check RPTs, which decides the endpoint discovery must name. */
export type RptVerification = 'introspect' | 'jwt';

export interface UmaClientOptions {
  /** The AS issuer; discovery at issuer + `/.well-known/uma2-configuration`. */
  readonly issuer?: string;
  /** A full discovery URL instead (Janssen/Gluu layouts). Exactly one of issuer and discoveryUrl. */
  readonly discoveryUrl?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Default `auto`: detected from the discovery document. */
  readonly dialect?: AsDialect | 'auto';
  /** Default `introspect`: discovery must name an introspection endpoint; `jwt`: `jwks_uri`. */
  readonly rptVerification?: RptVerification;
  /** Deadline of every call to the AS, connect included. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Extra CA bundle (PEM) trusted besides the public roots. */
  readonly caFile?: string;
  /** Disables certificate verification. Off by default; warned about when on. */
  readonly insecureSkipTlsVerify?: boolean;
  /** Accept plain-http AS URLs off loopback (warned about). Loopback is always accepted. */
  readonly allowHttp?: boolean;
  /** Told of weakened security settings; default: a process warning. */
  readonly onWarning?: (message: string) => void;
  /** Clock in milliseconds since the epoch (tests inject fake time). Default Date.now. */
  readonly now?: () => number;
}

/** The discovery document, narrowed to what the client uses. */
export interface UmaDiscovery {
  readonly issuer: string;
  readonly token_endpoint: string;
  readonly resource_registration_endpoint: string;
  readonly permission_endpoint: string;
  /** `introspection_endpoint`, else the older Keycloak `token_introspection_endpoint`. */
  readonly introspection_endpoint?: string;
  readonly jwks_uri?: string;
  /** Keycloak only. */
  readonly policy_endpoint?: string;
  readonly claims_interaction_endpoint?: string;
  readonly grant_types_supported?: readonly string[];
  readonly token_endpoint_auth_methods_supported?: readonly string[];
}

/** A resource description (FEDZ §3.1) plus the Janssen/Gluu extensions. */
export interface ResourceDescription {
  readonly resource_scopes: readonly string[];
  readonly name?: string;
  readonly type?: string;
  readonly description?: string;
  readonly icon_uri?: string;
  /** Janssen/Gluu: a JsonLogic rule as JSON text. Sent to that dialect only. */
  readonly scope_expression?: string;
  /** Janssen/Gluu: issued-at and expiry, epoch seconds. Sent to that dialect only. */
  readonly iat?: number;
  readonly exp?: number;
}

/** A registered resource as read back; `resource_scopes` always strings, whatever the AS sent. */
export interface RegisteredResource extends ResourceDescription {
  readonly _id: string;
}

export interface PermissionRequest {
  readonly resource_id: string;
  readonly resource_scopes: readonly string[];
}

export interface IntrospectedPermission {
  /** `resource_id`, else Keycloak's `rsid`. */
  readonly resource_id: string;
  /** `resource_scopes`, else Keycloak's `scopes`; empty for a resource-level permission. */
  readonly resource_scopes: readonly string[];
  /** Epoch seconds, when the AS gives a per-permission expiry. */
  readonly exp?: number;
}

export type RptIntrospection =
  | { readonly active: false }
  | {
      readonly active: true;
      /** Epoch seconds. */
      readonly exp?: number;
      readonly iat?: number;
      readonly permissions: readonly IntrospectedPermission[];
      readonly client_id?: string;
      readonly sub?: string;
    };

/** The uma-ticket grant's parameters (GRANT §3.3.1). */
export interface RptRequest {
  readonly ticket: string;
  /** Sent together with claimTokenFormat only. */
  readonly claimToken?: string;
  readonly claimTokenFormat?: string;
  readonly pct?: string;
  /** An RPT to upgrade. */
  readonly rpt?: string;
  readonly scope?: readonly string[];
}

/** Claims the AS asks for (GRANT §3.3.6). */
export interface RequiredClaim {
  readonly claim_token_format?: readonly string[];
  readonly claim_type?: string;
  readonly friendly_name?: string;
  readonly issuer?: readonly string[];
  readonly name?: string;
}

/** The uma-ticket grant's outcomes: an RPT, or one of the three answers that are no failure. */
export type RptGrantResult =
  | {
      readonly outcome: 'granted';
      readonly access_token: string;
      readonly token_type: string;
      readonly pct?: string;
      /** True when the permissions of the RPT sent for upgrading are included. */
      readonly upgraded: boolean;
      readonly expires_in?: number;
    }
  | {
      readonly outcome: 'need_info';
      /** A new ticket to present after gathering the claims. */
      readonly ticket: string;
      readonly required_claims: readonly RequiredClaim[];
      readonly redirect_user?: string;
    }
  | {
      readonly outcome: 'request_submitted';
      /** A new ticket to poll with (absent when the AS, like Keycloak, sends none). */
      readonly ticket?: string;
      /** Seconds between polls, when the AS says. */
      readonly interval?: number;
    }
  | {
      readonly outcome: 'request_denied';
      /** The AS's own `error`: `request_denied`, Keycloak's `access_denied`, Janssen's `forbidden_by_policy`. */
      readonly error: string;
      readonly description?: string;
    };
