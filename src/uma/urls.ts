import { isLoopbackHost } from '../common/loopback.js';
import { UmaError, type UmaErrorCode } from './errors.js';

export interface UrlPolicy {
  readonly allowHttp: boolean;
  readonly warn: (message: string) => void;
}

/**
 * An AS URL, checked: https, or plain http on loopback, or plain http elsewhere when allowed
 * (and then warned about once per origin). `code` is what a refusal is reported as: the
 * caller's options, or the discovery document that named the URL.
 */
export class AsUrls {
  readonly #policy: UrlPolicy;
  readonly #warned = new Set<string>();

  constructor(policy: UrlPolicy) {
    this.#policy = policy;
  }

  check(raw: string, what: string, code: UmaErrorCode): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (cause) {
      throw new UmaError(code, `${what} ${JSON.stringify(raw)} is not a URL`, { cause });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new UmaError(code, `${what} must start with https:// (or http:// on loopback), got ${JSON.stringify(raw)}`);
    }
    if (url.hash !== '') throw new UmaError(code, `${what} must not carry a fragment: ${JSON.stringify(raw)}`);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) this.#plainHttp(url, what, code);
    return url;
  }

  #plainHttp(url: URL, what: string, code: UmaErrorCode): void {
    if (!this.#policy.allowHttp) {
      throw new UmaError(
        code,
        `${what} ${url.origin} is plain http off loopback: PATs, client secrets and RPTs would cross the network unencrypted; use https, or allow it explicitly (allowHttp)`,
      );
    }
    if (this.#warned.has(url.origin)) return;
    this.#warned.add(url.origin);
    this.#policy.warn(`the AS is reached over plain http at ${url.origin} (allowHttp): PATs, client secrets and RPTs cross the network unencrypted`);
  }
}
