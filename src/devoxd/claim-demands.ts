/**
 * Which claims the dev AS demands before it grants a scope: the configuration behind need_info
 * and claims gathering. Protocol-neutral: the oxd `uma_rp_get_rpt` and a standard UMA 2.0
 * token endpoint ask the same question ("which claims does this ticket still lack?") and get
 * the same UMA `required_claims` entries back.
 */

/** One claim demanded for one scope. */
export interface ClaimDemand {
  readonly scope: string;
  /** Claim name as the UMA grant's `required_claims[].name`, e.g. `email`. */
  readonly claim: string;
}

/** A `required_claims` entry of the UMA 2.0 grant (need_info), in its wire shape. */
export type RequiredClaim = {
  readonly claim_token_format: readonly string[];
  readonly claim_type: string;
  readonly friendly_name: string;
  readonly issuer: readonly string[];
  readonly name: string;
};

/** The claim demanded when none is named (and for scopes ending in NEED_INFO_SUFFIX). */
export const DEFAULT_DEMANDED_CLAIM = 'email';
/** A scope with this suffix always demands DEFAULT_DEMANDED_CLAIM, with no configuration. */
export const NEED_INFO_SUFFIX = '#need_info';
export const ID_TOKEN_FORMAT = 'http://openid.net/specs/openid-connect-core-1_0.html#IDToken';
/** Longest claim value the claims-gathering page accepts. */
export const MAX_CLAIM_VALUE_LENGTH = 256;

const CLAIM_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Reads `SCOPE=CLAIM` (or a bare `SCOPE`, which demands DEFAULT_DEMANDED_CLAIM). */
export function parseClaimDemand(text: string): ClaimDemand {
  const at = text.lastIndexOf('=');
  const scope = (at === -1 ? text : text.slice(0, at)).trim();
  const claim = at === -1 ? DEFAULT_DEMANDED_CLAIM : text.slice(at + 1).trim();
  if (scope === '') throw new RangeError(`"${text}" names no scope: write SCOPE=CLAIM, e.g. http://photoz.example.com/dev/actions/all=email`);
  checkClaimName(claim);
  return { scope, claim };
}

export function checkClaimName(claim: string): string {
  if (!CLAIM_NAME.test(claim)) {
    throw new RangeError(`"${claim}" is not a claim name: a letter, then up to 63 letters, digits, "_", "." or "-"`);
  }
  return claim;
}

export class ClaimDemands {
  /** scope → claims demanded for it, in the order configured. */
  readonly #byScope = new Map<string, string[]>();

  demand(scope: string, claim: string): void {
    checkClaimName(claim);
    const claims = this.#byScope.get(scope) ?? [];
    if (!claims.includes(claim)) claims.push(claim);
    this.#byScope.set(scope, claims);
  }

  /** Every claim these scopes demand, each once, in the order the scopes are given. */
  demandedBy(scopes: readonly string[]): readonly string[] {
    const claims = new Set<string>();
    for (const scope of scopes) {
      if (scope.endsWith(NEED_INFO_SUFFIX)) claims.add(DEFAULT_DEMANDED_CLAIM);
      for (const claim of this.#byScope.get(scope) ?? []) claims.add(claim);
    }
    return [...claims];
  }
}

export function requiredClaim(name: string, issuer: string): RequiredClaim {
  return { claim_token_format: [ID_TOKEN_FORMAT], claim_type: 'string', friendly_name: name, issuer: [issuer], name };
}
