/**
 * The in-memory UMA authorization server behind the dev oxd, together with what oxd itself stores
 * per site: clients, sites, tokens, protected resources, permission tickets, RPTs, authorization
 * codes and claim demands. It holds state and answers lookups; the protocol rules live in the
 * operations (oxd) and the pages (the browser-facing endpoints).
 *
 * Claims gathering, protocol-neutral (an oxd operation and a standard UMA token endpoint use it
 * alike): `demandClaim(scope, claim)` configures; `requiredClaims(ticket, scopes)` answers which
 * claims a ticket still lacks (need_info when non-empty); `gatherClaims(ticket, values)` is what
 * the claims-gathering page calls: it retires the ticket and returns a new one holding the claims.
 */
import { randomUUID } from 'node:crypto';
import { CLAIMS_GATHERING_PATH } from './as-endpoints.js';
import { ClaimDemands, requiredClaim, type RequiredClaim } from './claim-demands.js';
import type { DevUser } from './dev-users.js';
import { base64UrlJson } from './json.js';
import type { DevTokenControls } from './types.js';

export interface AuthorizationServerOptions {
  readonly opHost: string;
  readonly now: () => number;
  readonly tokenLifetimeSeconds: number;
  readonly rptLifetimeSeconds: number;
  readonly jwtRpts: boolean;
  readonly grantingRptPrefix?: string | undefined;
}

/** What a client registered about itself that the browser-facing endpoints check. */
export interface ClientMetadata {
  readonly clientName?: string | undefined;
  /** Where the authorization endpoint may send the user back (exact match). */
  readonly redirectUris?: readonly string[] | undefined;
  /** Where the end-session endpoint may send the user after logout (exact match). */
  readonly postLogoutRedirectUris?: readonly string[] | undefined;
  /** Where the claims-gathering page may send the user back (exact match). */
  readonly claimsRedirectUris?: readonly string[] | undefined;
}

export interface Client {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly registrationAccessToken: string;
  readonly issuedAt: number;
  /** Replaced as a whole by `updateClient`. */
  metadata: ClientMetadata;
}

/** One AS resource: oxd registers one per condition of a protected path. */
export interface ProtectedResource {
  readonly id: string;
  readonly path: string;
  readonly httpMethods: readonly string[];
  readonly scopes: readonly string[];
  /** The condition's scope_expression as JSON text, as oxd stores it. */
  readonly scopeExpressions: readonly string[];
  readonly ticketScopes: readonly string[];
  /** What check_access requires: the scopes, else the scope expression's data. */
  readonly requiredScopes: readonly string[];
}

export interface Site {
  readonly oxdId: string;
  opHost: string;
  readonly client: Client;
  /** 3.x: the client whose protection tokens may drive this site. */
  readonly setupClientId: string | undefined;
  /** 3.x setup_client's own site (`setup_client_oxd_id`). */
  readonly isSetupSite: boolean;
  /** Registration parameters as last sent (register_site/update_site), for URLs and get_rp. */
  registration: Readonly<Record<string, unknown>>;
  resources: readonly ProtectedResource[];
  /** lower-case method → lower-case path → resource; built so that the last registration wins. */
  index: ReadonlyMap<string, ReadonlyMap<string, ProtectedResource>>;
  /** oxd caches the last RPT per oxd_id and hands it out until it expires. */
  cachedRpt: string | undefined;
}

export interface AccessToken {
  readonly value: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly issuedAtMs: number;
  expiresAtMs: number;
  readonly refreshToken: string;
  /** The end-user, for tokens obtained through the authorization code. */
  readonly sub: string | undefined;
}

export interface TicketPermission {
  readonly resourceId: string;
  readonly scopes: readonly string[];
}

export interface Ticket {
  readonly value: string;
  /** Who asked for it: the oxd id (dev oxd) or the resource server's client id (dev UMA 2.0 AS). */
  readonly owner: string;
  /** The dev oxd asks for one permission per ticket; the UMA 2.0 permission endpoint for one or more. */
  readonly permissions: readonly TicketPermission[];
  /** Claims the requesting party supplied through claims gathering (claim name → value). */
  readonly claims: Readonly<Record<string, string>>;
}

export interface Permission {
  readonly resourceId: string;
  readonly scopes: readonly string[];
  readonly expiresAtMs: number;
}

export interface Rpt {
  readonly value: string;
  readonly clientId: string;
  readonly issuedAtMs: number;
  expiresAtMs: number;
  permissions: Permission[];
  readonly pct: string;
}

/** oxd's record of an authorization URL it handed out: get_tokens_by_code accepts its state once. */
export interface AuthorizationState {
  readonly state: string;
  readonly nonce: string;
  readonly oxdId: string;
}

/** What an authorization code stands for: one user's consent, for one client and redirect URI. */
export interface CodeGrant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly user: DevUser;
  readonly scopes: readonly string[];
  readonly nonce: string | undefined;
}

/**
 * Tickets kept before the oldest are forgotten: every denied check_access mints one, and a
 * benchmark must not grow the dev oxd without bound.
 */
const MAX_TICKETS = 100_000;

/** Codes not redeemed within this time are refused, as an AS's short code lifetime would. */
const CODE_LIFETIME_MS = 10 * 60 * 1000;
export class AuthorizationServer {
  readonly options: AuthorizationServerOptions;
  /**
   * The issuer: where the browser-facing endpoints are served. Set once the listener serving
   * them knows its port (see startDevOxd).
   */
  opHost: string;
  #clients = new Map<string, Client>();
  #sites = new Map<string, Site>();
  #tokens = new Map<string, AccessToken>();
  #refreshTokens = new Map<string, AccessToken>();
  #tickets = new Map<string, Ticket>();
  #rpts = new Map<string, Rpt>();
  #states = new Map<string, AuthorizationState>();
  #codes = new Map<string, CodeGrant & { readonly expiresAtMs: number }>();
  readonly #demands = new ClaimDemands();

  constructor(options: AuthorizationServerOptions) {
    this.options = options;
    this.opHost = options.opHost;
  }

  nowMs(): number {
    return this.options.now();
  }

  /** Forgets everything, as an oxd restarted with empty storage (and a fresh AS). */
  reset(): void {
    this.#clients.clear();
    this.#sites.clear();
    this.#tokens.clear();
    this.#refreshTokens.clear();
    this.#tickets.clear();
    this.#rpts.clear();
    this.#states.clear();
    this.#codes.clear();
  }

  /**
   * Registers a client. Given credentials (a pre-registered client) are used as sent; when they
   * name a known client with another secret, the AS record is left alone, so the wrong secret
   * fails later at the token endpoint as it would at a real AS.
   */
  registerClient(given?: { readonly clientId: string; readonly clientSecret: string }, metadata: ClientMetadata = {}): Client {
    const existing = given === undefined ? undefined : this.#clients.get(given.clientId);
    if (existing !== undefined && existing.clientSecret === given?.clientSecret) {
      this.updateClient(existing, metadata);
      return existing;
    }
    const client: Client = {
      clientId: given?.clientId ?? `dev-client-${randomUUID()}`,
      clientSecret: given?.clientSecret ?? randomUUID(),
      registrationAccessToken: randomUUID(),
      issuedAt: Math.floor(this.nowMs() / 1000),
      metadata,
    };
    if (existing === undefined) this.#clients.set(client.clientId, client);
    return client;
  }

  /** Replaces the metadata fields given; the others stay as registered. */
  updateClient(client: Client, metadata: ClientMetadata): void {
    const kept = Object.entries(metadata).filter(([, value]) => value !== undefined);
    client.metadata = { ...client.metadata, ...Object.fromEntries(kept) };
  }

  client(clientId: string): Client | undefined {
    return this.#clients.get(clientId);
  }

  clients(): readonly Client[] {
    return [...this.#clients.values()];
  }

  createSite(init: {
    readonly client: Client;
    readonly opHost: string;
    readonly setupClientId: string | undefined;
    readonly isSetupSite?: boolean;
    readonly registration: Readonly<Record<string, unknown>>;
  }): Site {
    const site: Site = { oxdId: randomUUID(), isSetupSite: false, ...init, resources: [], index: new Map(), cachedRpt: undefined };
    this.#sites.set(site.oxdId, site);
    return site;
  }

  site(oxdId: string): Site | undefined {
    return this.#sites.get(oxdId);
  }

  sites(): readonly Site[] {
    return [...this.#sites.values()];
  }

  removeSite(oxdId: string): boolean {
    return this.#sites.delete(oxdId);
  }

  issueAccessToken(clientId: string, scopes: readonly string[], sub?: string): AccessToken {
    const now = this.nowMs();
    const token: AccessToken = {
      value: randomUUID(),
      clientId,
      scopes,
      issuedAtMs: now,
      expiresAtMs: now + this.options.tokenLifetimeSeconds * 1000,
      refreshToken: randomUUID(),
      sub,
    };
    this.#tokens.set(token.value, token);
    this.#refreshTokens.set(token.refreshToken, token);
    return token;
  }

  /** The token when it exists and has not expired. */
  activeAccessToken(value: string): AccessToken | undefined {
    const token = this.#tokens.get(value);
    return token !== undefined && this.nowMs() < token.expiresAtMs ? token : undefined;
  }

  /** Trades a refresh token (single use) for a new access token of the same client and subject. */
  refresh(refreshToken: string, scopes: readonly string[] | undefined): AccessToken | undefined {
    const previous = this.#refreshTokens.get(refreshToken);
    if (previous === undefined) return undefined;
    this.#refreshTokens.delete(refreshToken);
    return this.issueAccessToken(previous.clientId, scopes ?? previous.scopes, previous.sub);
  }

  /** Replaces every resource of the site (new AS ids, so permissions on the old ones lapse). */
  replaceResources(site: Site, resources: readonly Omit<ProtectedResource, 'id'>[]): void {
    site.resources = resources.map((resource) => ({ ...resource, id: randomUUID() }));
    const index = new Map<string, Map<string, ProtectedResource>>();
    for (const resource of site.resources) {
      for (const method of resource.httpMethods) {
        const key = method.toLowerCase();
        const byPath = index.get(key) ?? new Map<string, ProtectedResource>();
        byPath.set(resource.path.toLowerCase(), resource);
        index.set(key, byPath);
      }
    }
    site.index = index;
  }

  /** oxd's exact, case-insensitive path and method match; the last registration wins. */
  findResource(site: Site, path: string, method: string): ProtectedResource | undefined {
    return site.index.get(method.toLowerCase())?.get(path.toLowerCase());
  }

  issueTicket(owner: string, permissions: readonly TicketPermission[], claims: Readonly<Record<string, string>> = {}): Ticket {
    const ticket: Ticket = { value: randomUUID(), owner, permissions, claims };
    this.#tickets.set(ticket.value, ticket);
    if (this.#tickets.size > MAX_TICKETS) {
      const oldest = this.#tickets.keys().next();
      if (oldest.done !== true) this.#tickets.delete(oldest.value);
    }
    return ticket;
  }

  ticket(value: string): Ticket | undefined {
    return this.#tickets.get(value);
  }

  /** A ticket is good for one RPT. */
  consumeTicket(value: string): void {
    this.#tickets.delete(value);
  }

  /** When an RPT issued at `issuedAtMs` expires. */
  rptExpiry(issuedAtMs: number): number {
    return issuedAtMs + this.options.rptLifetimeSeconds * 1000;
  }

  /**
   * Issues an RPT. `minted` is a value made by the caller (the dev UMA 2.0 AS signs JWTs) at
   * `issuedAtMs`, expiring at `rptExpiry(issuedAtMs)`.
   */
  issueRpt(
    clientId: string,
    permissions: readonly TicketPermission[],
    minted?: { readonly value: string; readonly issuedAtMs: number },
  ): Rpt {
    const now = minted?.issuedAtMs ?? this.nowMs();
    const expiresAtMs = this.rptExpiry(now);
    const rpt: Rpt = {
      value: minted?.value ?? (this.options.jwtRpts ? this.#jwtShaped(clientId, now, expiresAtMs) : randomUUID()),
      clientId,
      issuedAtMs: now,
      expiresAtMs,
      permissions: permissions.map((p) => ({ ...p, expiresAtMs })),
      pct: randomUUID(),
    };
    this.#rpts.set(rpt.value, rpt);
    return rpt;
  }

  /** Adds a permission to an RPT, as an AS upgrading it would. */
  addPermission(rpt: Rpt, permission: Omit<Permission, 'expiresAtMs'>): void {
    rpt.permissions.push({ ...permission, expiresAtMs: rpt.expiresAtMs });
  }

  /** Whether `value` is granting by the load-test prefix (DevOxdOptions.grantingRptPrefix). */
  grantsByPrefix(value: string | undefined): boolean {
    const prefix = this.options.grantingRptPrefix;
    return prefix !== undefined && prefix !== '' && value !== undefined && value.startsWith(prefix);
  }

  activeRpt(value: string): Rpt | undefined {
    const rpt = this.#rpts.get(value);
    return rpt !== undefined && this.nowMs() < rpt.expiresAtMs ? rpt : undefined;
  }

  // ---- claims gathering (need_info) ----

  /** From now on, a permission for `scope` is granted only once `claim` has been gathered. */
  demandClaim(scope: string, claim: string): void {
    this.#demands.demand(scope, claim);
  }

  /**
   * The claims the ticket still lacks for its scopes, as the UMA grant's `required_claims`:
   * empty when the permission may be granted.
   */
  requiredClaims(ticket: Ticket): readonly RequiredClaim[] {
    return this.#demands
      .demandedBy(ticket.permissions.flatMap((p) => p.scopes))
      .filter((claim) => ticket.claims[claim] === undefined)
      .map((claim) => requiredClaim(claim, this.opHost));
  }

  /**
   * Records claims the requesting party supplied: the ticket is retired and a new one, holding
   * its claims plus these, is returned (undefined when the ticket is unknown or already used).
   */
  gatherClaims(ticketValue: string, claims: Readonly<Record<string, string>>): Ticket | undefined {
    const ticket = this.#tickets.get(ticketValue);
    if (ticket === undefined) return undefined;
    this.consumeTicket(ticketValue);
    return this.issueTicket(ticket.owner, ticket.permissions, { ...ticket.claims, ...claims });
  }

  /** Where need_info sends the requesting party (`redirect_user`). */
  claimsGatheringUrl(): string {
    return `${this.opHost}${CLAIMS_GATHERING_PATH}`;
  }

  // ---- authorization codes ----

  /** oxd remembers the state of each authorization URL it builds. */
  rememberState(record: AuthorizationState): void {
    this.#states.set(record.state, record);
  }

  /** The remembered state of this site's authorization URL. */
  state(state: string, oxdId: string): AuthorizationState | undefined {
    const record = this.#states.get(state);
    return record?.oxdId === oxdId ? record : undefined;
  }

  /** A state is good for one successful code exchange. */
  forgetState(state: string): void {
    this.#states.delete(state);
  }

  /** The login page's outcome: a single-use code for this consent. */
  issueCode(grant: CodeGrant): string {
    const code = randomUUID();
    this.#codes.set(code, { ...grant, expiresAtMs: this.nowMs() + CODE_LIFETIME_MS });
    return code;
  }

  /** Redeems a code once, for the client it was issued to; undefined when unknown, used, expired or another client's. */
  redeemCode(code: string, clientId: string): CodeGrant | undefined {
    const grant = this.#codes.get(code);
    if (grant === undefined) return undefined;
    // A presented code is spent even when the exchange fails, as RFC 6749 §4.1.2 asks.
    this.#codes.delete(code);
    return grant.clientId === clientId && this.nowMs() < grant.expiresAtMs ? grant : undefined;
  }

  /**
   * Revokes one access token (with its refresh token, as RFC 7009 §2.1 allows) or RPT: it is
   * unknown from now on, so protection calls bearing it are refused and introspection says
   * `active: false`. Whether it existed is not said (RFC 7009 §2.2).
   */
  revoke(value: string): void {
    // A refresh token takes the access token issued with it along (RFC 7009 §2.1).
    const token = this.#tokens.get(value) ?? this.#refreshTokens.get(value);
    if (token !== undefined) {
      this.#refreshTokens.delete(token.refreshToken);
      this.#tokens.delete(token.value);
    }
    this.#rpts.delete(value);
  }

  /** The client a token, refresh token or RPT was issued to, while it is known (revocation checks this). */
  issuedTo(value: string): string | undefined {
    return (this.#tokens.get(value) ?? this.#refreshTokens.get(value) ?? this.#rpts.get(value))?.clientId;
  }

  /**
   * Revokes every access token (protection tokens included) and refresh token issued to the
   * client so far, as an administrator does when a client's credentials may have leaked
   * (Keycloak's not-before revocation of a client). RPTs are left alone: they belong to the
   * requesting party. Returns how many access tokens were revoked.
   */
  revokeClientTokens(clientId: string): number {
    let revoked = 0;
    for (const token of [...this.#tokens.values()]) {
      if (token.clientId !== clientId) continue;
      this.revoke(token.value);
      revoked += 1;
    }
    for (const [refresh, token] of [...this.#refreshTokens]) if (token.clientId === clientId) this.#refreshTokens.delete(refresh);
    return revoked;
  }

  /** Makes every access token and RPT issued so far expire now. */
  expireAll(): void {
    const now = this.nowMs();
    for (const token of this.#tokens.values()) token.expiresAtMs = Math.min(token.expiresAtMs, now);
    for (const rpt of this.#rpts.values()) rpt.expiresAtMs = Math.min(rpt.expiresAtMs, now);
  }

  #jwtShaped(clientId: string, nowMs: number, expiresAtMs: number): string {
    const payload = {
      iss: this.opHost,
      client_id: clientId,
      iat: Math.floor(nowMs / 1000),
      exp: Math.floor(expiresAtMs / 1000),
      jti: randomUUID(),
    };
    // JWT-shaped so that readers of `exp` work; not signed by any key, and the dev oxd (through
    // introspect_rpt and check_access) is the only party that vouches for it.
    return `${base64UrlJson({ alg: 'none', typ: 'JWT', kid: 'dev-oxd' })}.${base64UrlJson(payload)}.${Buffer.from('dev-oxd-unsigned').toString('base64url')}`;
  }
}

/** The fault tests' token levers over one in-memory AS (the dev oxd's and the dev AS's alike). */
export function tokenControls(as: AuthorizationServer): DevTokenControls {
  return {
    expireTokens: () => {
      as.expireAll();
    },
    revokeToken: (value) => {
      as.revoke(value);
    },
    revokeClientTokens: (clientId) => as.revokeClientTokens(clientId),
  };
}
