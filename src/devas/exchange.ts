/** One HTTP exchange as the endpoint handlers see it: the parsed request and the reply they give. */
import type { AuthorizationServer } from '../devoxd/authorization-server.js';
import type { Profile } from './profile.js';
import type { ResourceRegistry } from './registry.js';
import type { RptSigner } from './signer.js';
import type { DevAsAuth, DevAsDialect } from './types.js';

export interface AsRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string;
  readonly text: string;
  /** Form fields when the body is application/x-www-form-urlencoded, else empty. */
  readonly form: URLSearchParams;
  readonly basic: { readonly id: string; readonly secret: string } | undefined;
  readonly bearer: string | undefined;
  readonly auth: DevAsAuth;
}

export interface Reply {
  readonly status: number;
  /** JSON body; undefined for none. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ClientFlags {
  /** Keycloak role / Janssen scope `uma_protection` allowed. */
  readonly umaProtection: boolean;
}

export interface GrantPolicy {
  readonly denied: ReadonlySet<string>;
  readonly submitted: ReadonlySet<string>;
}

export interface DevAsContext {
  readonly dialect: DevAsDialect;
  readonly as: AuthorizationServer;
  readonly registry: ResourceRegistry;
  readonly profile: Profile;
  readonly signer: RptSigner | undefined;
  readonly policy: GrantPolicy;
  readonly clientFlags: Map<string, ClientFlags>;
  readonly settings: { remoteResourceManagement: boolean };
  /** Persisted claims tokens (GRANT §3.3.1 `pct`) → the claims they stand for. */
  readonly pcts: Map<string, Readonly<Record<string, string>>>;
  readonly resourceLifetimeSeconds: number;
}

export function json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): Reply {
  return headers === undefined ? { status, body } : { status, body, headers };
}

/** An OAuth error body `{error, error_description?}` (RFC 6749 §5.2, FEDZ §6). */
export function oauthError(status: number, error: string, description?: string, headers?: Readonly<Record<string, string>>): Reply {
  return json(status, description === undefined ? { error } : { error, error_description: description }, headers);
}

/** Token endpoint answers must not be cached (RFC 6749 §5.1, GRANT §3.3.6). */
export const NO_STORE = { 'cache-control': 'no-store' };

export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
