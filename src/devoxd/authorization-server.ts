/**
 * The in-memory UMA authorization server behind the dev oxd, together with what oxd itself stores
 * per site: clients, sites, tokens, protected resources, permission tickets, RPTs and
 * authorization codes. It holds state and answers lookups; the protocol rules live in the
 * operations.
 */
import { randomUUID } from 'node:crypto';
import { base64UrlJson } from './json.js';

export interface AuthorizationServerOptions {
  readonly opHost: string;
  readonly now: () => number;
  readonly tokenLifetimeSeconds: number;
  readonly rptLifetimeSeconds: number;
  readonly jwtRpts: boolean;
}

export interface Client {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientName: string | undefined;
  readonly registrationAccessToken: string;
  readonly issuedAt: number;
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

export interface AuthorizationRequest {
  readonly code: string;
  readonly state: string;
  readonly nonce: string;
  readonly oxdId: string;
  readonly scopes: readonly string[];
}

/**
 * Tickets kept before the oldest are forgotten: every denied check_access mints one, and a
 * benchmark must not grow the dev oxd without bound.
 */
const MAX_TICKETS = 100_000;

/** The subject of every end-user token the dev AS issues. */
export const DEV_USER = 'dev-user';

export class AuthorizationServer {
  readonly options: AuthorizationServerOptions;
  #clients = new Map<string, Client>();
  #sites = new Map<string, Site>();
  #tokens = new Map<string, AccessToken>();
  #refreshTokens = new Map<string, AccessToken>();
  #tickets = new Map<string, Ticket>();
  #rpts = new Map<string, Rpt>();
  #authorizations = new Map<string, AuthorizationRequest>();
  #authorizationCount = 0;

  constructor(options: AuthorizationServerOptions) {
    this.options = options;
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
    this.#authorizations.clear();
    this.#authorizationCount = 0;
  }

  /**
   * Registers a client. Given credentials (a pre-registered client) are used as sent; when they
   * name a known client with another secret, the AS record is left alone, so the wrong secret
   * fails later at the token endpoint as it would at a real AS.
   */
  registerClient(given?: { readonly clientId: string; readonly clientSecret: string }, clientName?: string): Client {
    const existing = given === undefined ? undefined : this.#clients.get(given.clientId);
    if (existing !== undefined && existing.clientSecret === given?.clientSecret) return existing;
    const client: Client = {
      clientId: given?.clientId ?? `dev-client-${randomUUID()}`,
      clientSecret: given?.clientSecret ?? randomUUID(),
      clientName,
      registrationAccessToken: randomUUID(),
      issuedAt: Math.floor(this.nowMs() / 1000),
    };
    if (existing === undefined) this.#clients.set(client.clientId, client);
    return client;
  }

  client(clientId: string): Client | undefined {
    return this.#clients.get(clientId);
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

  issueTicket(owner: string, permissions: readonly TicketPermission[]): Ticket {
    const ticket: Ticket = { value: randomUUID(), owner, permissions };
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

  activeRpt(value: string): Rpt | undefined {
    const rpt = this.#rpts.get(value);
    return rpt !== undefined && this.nowMs() < rpt.expiresAtMs ? rpt : undefined;
  }

  /** Starts an authorization: the dev AS approves at once and pre-issues code N for state N. */
  authorize(oxdId: string, scopes: readonly string[]): AuthorizationRequest {
    this.#authorizationCount += 1;
    const n = this.#authorizationCount;
    const request: AuthorizationRequest = { code: `dev-code-${n}`, state: `dev-state-${n}`, nonce: `dev-nonce-${n}`, oxdId, scopes };
    this.#authorizations.set(request.state, request);
    return request;
  }

  authorization(state: string): AuthorizationRequest | undefined {
    return this.#authorizations.get(state);
  }

  /** A code is good once. */
  consumeAuthorization(state: string): void {
    this.#authorizations.delete(state);
  }

  /** Revokes one access token or RPT: it is unknown from now on. */
  revoke(value: string): void {
    this.#tokens.delete(value);
    this.#rpts.delete(value);
  }

  /** Makes every access token and RPT issued so far expire now. */
  expireAll(): void {
    const now = this.nowMs();
    for (const token of this.#tokens.values()) token.expiresAtMs = Math.min(token.expiresAtMs, now);
    for (const rpt of this.#rpts.values()) rpt.expiresAtMs = Math.min(rpt.expiresAtMs, now);
  }

  #jwtShaped(clientId: string, nowMs: number, expiresAtMs: number): string {
    const payload = {
      iss: this.options.opHost,
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
