/**
 * `--rpt-verify jwt`: JWT RPTs (Keycloak's format) verified locally with jose — signature against
 * the AS's JWKS, `iss` = the issuer, `aud` containing our client id, `exp` required and unexpired,
 * an asymmetric algorithm only — and their permissions read from `authorization.permissions`
 * (`rsid`/`scopes`, or `resource_id`/`resource_scopes`). A decision-cache miss then costs no AS
 * call. The trade-off, said in the README: a token revoked at the AS stays accepted until its
 * `exp`, since nothing asks the AS about it.
 *
 * The JWKS is fetched once, kept, and fetched again when a token names an unknown `kid` (key
 * rotation) — at most once per REFETCH_INTERVAL_MS, so a stream of forged `kid`s cannot turn
 * into a stream of AS calls.
 */
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { isRecord } from '../../common/json.js';
import type { IntrospectedPermission } from '../../uma/index.js';
import { SingleFlight } from '../decision-cache.js';
import type { RptFacts, RptVerifier } from './rpt-facts.js';

/** jose's own default cooldown for remote key sets. */
export const JWKS_REFETCH_INTERVAL_MS = 30_000;
/** No symmetric algorithm (the AS's secret is not ours) and never `none`. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface JwtRptVerifierOptions {
  /** GET jwks_uri through the guard. */
  readonly fetchJwks: () => Promise<{ readonly keys: readonly Readonly<Record<string, unknown>>[] }>;
  readonly issuer: string;
  /** Our client id: the RPT must be meant for this resource server. */
  readonly audience: string;
  /** Wall clock in ms since the epoch. */
  readonly now: () => number;
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

export class JwtRptVerifier implements RptVerifier {
  readonly #options: JwtRptVerifierOptions;
  readonly #fetches = new SingleFlight<KeySet>();
  #keys: KeySet | null = null;
  #fetchedAt = Number.NEGATIVE_INFINITY;

  constructor(options: JwtRptVerifierOptions) {
    this.#options = options;
  }

  /** Fetches the keys now (at registration), so that no request waits for them. */
  async prime(): Promise<void> {
    if (this.#keys === null) await this.#fetch();
  }

  async verify(rpt: string): Promise<RptFacts> {
    const keys = this.#keys ?? (await this.#fetch());
    try {
      return this.#facts(await this.#check(rpt, keys));
    } catch (err) {
      const rotated = err instanceof errors.JWKSNoMatchingKey && this.#options.now() - this.#fetchedAt >= JWKS_REFETCH_INTERVAL_MS;
      if (!rotated) return this.#refused();
      try {
        return this.#facts(await this.#check(rpt, await this.#fetch()));
      } catch (retryErr) {
        if (retryErr instanceof errors.JOSEError) return this.#refused();
        throw retryErr;
      }
    }
  }

  /** Keys do not depend on the policy: a reload keeps them. */
  clear(): void {
    // Nothing per token is cached here; the decision cache holds the grants.
  }

  async #check(rpt: string, keys: KeySet): Promise<JWTPayload> {
    const { payload } = await jwtVerify(rpt, keys, {
      issuer: this.#options.issuer,
      audience: this.#options.audience,
      algorithms: ALGORITHMS,
      requiredClaims: ['exp'],
      currentDate: new Date(this.#options.now()),
    });
    return payload;
  }

  #fetch(): Promise<KeySet> {
    return this.#fetches.run('jwks', async () => {
      const jwks = await this.#options.fetchJwks();
      this.#keys = createLocalJWKSet(jwks as unknown as JSONWebKeySet);
      this.#fetchedAt = this.#options.now();
      return this.#keys;
    }).promise;
  }

  #facts(payload: JWTPayload): RptFacts {
    const authorization = payload.authorization;
    const entries = isRecord(authorization) && Array.isArray(authorization.permissions) ? (authorization.permissions as unknown[]) : [];
    return { active: true, permissions: entries.flatMap(readPermission), validUntilMs: (payload.exp ?? 0) * 1000 };
  }

  /** A token that does not verify grants nothing: the request is answered with a ticket. */
  #refused(): RptFacts {
    return { active: false, permissions: [], validUntilMs: this.#options.now() };
  }
}

/** Keycloak writes `rsid`/`scopes` (no `scopes` key for a resource-level permission). */
function readPermission(entry: unknown): IntrospectedPermission[] {
  if (!isRecord(entry)) return [];
  const id = typeof entry.resource_id === 'string' ? entry.resource_id : typeof entry.rsid === 'string' ? entry.rsid : undefined;
  if (id === undefined) return [];
  const raw = Array.isArray(entry.resource_scopes) ? (entry.resource_scopes as unknown[]) : Array.isArray(entry.scopes) ? (entry.scopes as unknown[]) : [];
  const scopes = raw.filter((s): s is string => typeof s === 'string');
  return [{ resource_id: id, resource_scopes: scopes, ...(typeof entry.exp === 'number' ? { exp: entry.exp } : {}) }];
}
