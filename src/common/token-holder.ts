/**
 * A bearer token a client needs for its calls (oxd's protection token, a UMA PAT): kept until
 * shortly before it expires, refreshed by one call however many callers need it at that moment,
 * and dropped when the server rejects it.
 */

/** Refresh this long before expiry at most, so a token never expires on its way to the server… */
export const REFRESH_SKEW_MS = 30_000;
/** …but never more than this share of its lifetime early, so short-lived tokens stay usable. */
const REFRESH_SKEW_RATIO = 0.1;

/** What a token endpoint answers, as far as keeping the token goes. */
export interface IssuedToken {
  readonly access_token: string;
  readonly expires_in: number;
}

export interface ProtectionTokenOptions<T extends IssuedToken> {
  /** Obtains a new token. */
  readonly fetch: () => Promise<T>;
  /** Told of every new token, e.g. to write it back; awaited before callers get the token. */
  readonly onToken: (token: T) => Promise<void>;
  readonly now: () => number;
  /** A token stored earlier: used until the server rejects it. */
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

export class ProtectionToken<T extends IssuedToken> {
  readonly #options: ProtectionTokenOptions<T>;
  #held: HeldToken | null;
  #pending: Promise<string> | null = null;

  constructor(options: ProtectionTokenOptions<T>) {
    this.#options = options;
    this.#held = options.initial === null ? null : { value: options.initial, refreshAt: null };
  }

  /** Whether a token is held at all. */
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
  async accept(result: T, obtainedAt: number): Promise<void> {
    this.#held = { value: result.access_token, refreshAt: refreshTime(obtainedAt, result.expires_in) };
    await this.#options.onToken(result);
  }

  /** The server refused `value` (null: the call carried none): forget it, unless a newer token replaced it. */
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
