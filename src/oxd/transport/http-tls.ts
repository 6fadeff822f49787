import { loadCaBundle } from '../../common/ca-bundle.js';
import { OxdError } from '../errors.js';
import type { OxdLogger } from '../types.js';
import { errorMessage } from '../../errors.js';
import { warnInsecure } from './warn.js';

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
