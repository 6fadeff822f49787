/**
 * The protection access token (the PAT oxd wants on protected commands). It is obtained with
 * get_client_token, kept until shortly before it expires, refreshed by one call however many
 * callers need it at that moment, and dropped when oxd rejects it.
 */
import { OxdError } from './errors.js';
import type { TokenResult } from './types.js';

/** Refresh this long before expiry at most, so a token never expires on its way to oxd… */
export const REFRESH_SKEW_MS = 30_000;
/** …but never more than this share of its lifetime early, so short-lived tokens stay usable. */
const REFRESH_SKEW_RATIO = 0.1;

/**
 * oxd's codes for a protection token it does not accept (3.x params check, 4.x bearer check).
 * The insufficient-scope ones are included because a token stored by oxd-python may lack the
 * `oxd` scope, which a fresh token (asked with `openid oxd`) carries.
 */
const REJECTION_CODES: ReadonlySet<string> = new Set([
  'invalid_access_token',
  'inactive_access_token',
  'blank_access_token',
  'access_token_insufficient_scope',
  'invalid_protection_access_token',
  'inactive_protection_access_token',
  'blank_protection_access_token',
  'protection_access_token_insufficient_scope',
]);

/** Codes oxd answers with status 403 that are not about the token (docs/oxd-protocols.md). */
const FORBIDDEN_NOT_TOKEN: ReadonlySet<string> = new Set(['need_info', 'oxd_access_denied']);

/**
 * True when oxd refused the protection token: one of its token codes, or a 403 from an HTTP
 * oxd on a command that needs the token (4.0/4.1 answer a missing token with an empty 403, the
 * https-extension with its "Forbidden Access" 403).
 */
export function isTokenRejection(err: unknown): err is OxdError {
  if (!(err instanceof OxdError)) return false;
  if (REJECTION_CODES.has(err.code)) return true;
  return err.status === 403 && !FORBIDDEN_NOT_TOKEN.has(err.code);
}

export interface ProtectionTokenOptions {
  /** Obtains a new token (get_client_token). */
  readonly fetch: () => Promise<TokenResult>;
  /** Told of every new token, e.g. to write it back; awaited before callers get the token. */
  readonly onToken: (token: TokenResult) => Promise<void>;
  readonly now: () => number;
  /** A token stored earlier (the ini's protection_access_token): used until oxd rejects it. */
  readonly initial: string | null;
}

interface HeldToken {
  readonly value: string;
  /** When to stop using it; null when its lifetime is unknown. */
  readonly refreshAt: number | null;
}

export function refreshTime(obtainedAt: number, expiresInSeconds: number): number {
  const lifetimeMs = expiresInSeconds * 1000;
  return obtainedAt + lifetimeMs - Math.min(REFRESH_SKEW_MS, lifetimeMs * REFRESH_SKEW_RATIO);
}

export class ProtectionToken {
  readonly #options: ProtectionTokenOptions;
  #held: HeldToken | null;
  #pending: Promise<string> | null = null;

  constructor(options: ProtectionTokenOptions) {
    this.#options = options;
    this.#held = options.initial === null ? null : { value: options.initial, refreshAt: null };
  }

  /** Whether a token is held at all (the socket sends one only then). */
  get held(): boolean {
    return this.#held !== null;
  }

  /** A usable token, refreshed first when missing or about to expire. */
  async get(): Promise<string> {
    const held = this.#held;
    if (held !== null && (held.refreshAt === null || this.#options.now() < held.refreshAt)) return held.value;
    return this.#refresh();
  }

  /** Records a token obtained outside (an explicit getClientToken) and reports it. */
  async accept(result: TokenResult, obtainedAt: number): Promise<void> {
    this.#held = { value: result.access_token, refreshAt: refreshTime(obtainedAt, result.expires_in) };
    await this.#options.onToken(result);
  }

  /** oxd refused `value` (null: the call carried none): forget it, unless a newer token replaced it. */
  reject(value: string | null): void {
    if (this.#held !== null && this.#held.value === value) this.#held = null;
  }

  #refresh(): Promise<string> {
    // Single flight: every caller arriving during a refresh shares its outcome.
    this.#pending ??= (async () => {
      const obtainedAt = this.#options.now();
      const result = await this.#options.fetch();
      await this.accept(result, obtainedAt);
      return result.access_token;
    })().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }
}
