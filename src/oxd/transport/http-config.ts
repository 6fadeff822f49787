/** The settings an HTTP transport checks once, at creation: oxd's base URL and TLS trust. */
import { loadCaBundle } from '../../common/ca-bundle.js';
import { isLoopbackHost } from '../../common/loopback.js';
import { errorMessage } from '../../errors.js';
import { OxdError } from '../errors.js';
import type { OxdLogger } from '../types.js';
import { warnInsecure } from './common.js';

/**
 * The oxd base URL, checked once: http or https, no query or fragment, path ending in '/' so
 * that command paths append to it. Plain http to a non-loopback host is allowed but reported.
 */
export function parseBaseUrl(baseUrl: string, logger: OxdLogger | undefined): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (err) {
    const message = `the oxd base URL ${JSON.stringify(baseUrl)} is not a URL`;
    throw new OxdError('config_invalid', message, { cause: err });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    const message = `the oxd base URL must start with https:// or http://, got ${JSON.stringify(baseUrl)}`;
    throw new OxdError('config_invalid', message);
  }
  if (url.search !== '' || url.hash !== '') {
    const message = `the oxd base URL must not carry a query or fragment: ${JSON.stringify(baseUrl)}`;
    throw new OxdError('config_invalid', message);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    warnInsecure(
      logger,
      { oxdUrl: url.origin },
      `oxd is reached over plain http at ${url.origin}: protection tokens and RPTs cross the network unencrypted`,
    );
  }
  return url;
}

export interface TlsSettings {
  readonly ca?: readonly string[];
  readonly rejectUnauthorized: boolean;
}

interface TlsOptions {
  readonly caFile?: string;
  readonly insecureSkipTlsVerify?: boolean;
  readonly logger?: OxdLogger;
}

/**
 * Trust for oxd's certificate: the bundled public roots, plus `caFile` when given (a private CA
 * or oxd's self-signed certificate). Skipping verification must be asked for and is reported.
 */
export function tlsSettings(options: TlsOptions): TlsSettings {
  const rejectUnauthorized = options.insecureSkipTlsVerify !== true;
  if (!rejectUnauthorized) {
    const message =
      'TLS certificate verification for oxd is OFF (insecure_skip_tls_verify): anyone on the path can ' +
      "impersonate oxd; trust oxd's CA with ca_file instead";
    warnInsecure(options.logger, { insecureSkipTlsVerify: true }, message);
  }
  if (options.caFile === undefined) return { rejectUnauthorized };
  return { ca: readPem(options.caFile), rejectUnauthorized };
}

function readPem(path: string): readonly string[] {
  const bundle = loadCaBundle(path);
  switch (bundle.kind) {
    case 'ok':
      return bundle.ca;
    case 'unreadable':
      throw new OxdError('config_invalid', `cannot read the oxd CA file ${path}: ${errorMessage(bundle.cause)}`, {
        cause: bundle.cause,
      });
    case 'not_pem':
      throw new OxdError('config_invalid', `the oxd CA file ${path} holds no PEM certificate`);
  }
}
