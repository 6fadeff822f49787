import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/**
 * The certificates to trust for a server: the bundled public roots plus a PEM file (a private CA
 * or a self-signed certificate). Each client turns a failure into its own error with its words.
 */
export type CaBundle =
  | { readonly kind: 'ok'; readonly ca: readonly string[] }
  | { readonly kind: 'unreadable'; readonly cause: unknown }
  | { readonly kind: 'not_pem' };

export function loadCaBundle(path: string): CaBundle {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (cause) {
    return { kind: 'unreadable', cause };
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return { kind: 'not_pem' };
  return { kind: 'ok', ca: [...rootCertificates, pem] };
}
