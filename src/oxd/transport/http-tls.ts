import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
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
  return { ca: [...rootCertificates, readPem(options.caFile)], rejectUnauthorized };
}

function readPem(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    const message = `cannot read the oxd CA file ${path}: ${errorMessage(err)}`;
    throw new OxdError('config_invalid', message, { cause: err });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new OxdError('config_invalid', `the oxd CA file ${path} holds no PEM certificate`);
  }
  return pem;
}
