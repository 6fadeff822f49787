/**
 * How the client authenticates at the token endpoint (and at Keycloak's introspection):
 * HTTP Basic (RFC 6749 §2.3.1, each part form-urlencoded first) unless the AS announces only
 * `client_secret_post`, then the credentials as form fields.
 */
import type { UmaDiscovery } from './types.js';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface ClientAuth {
  readonly headers: Readonly<Record<string, string>>;
  readonly form: Readonly<Record<string, string>>;
}

export function clientAuth(discovery: UmaDiscovery, credentials: ClientCredentials): ClientAuth {
  const methods = discovery.token_endpoint_auth_methods_supported;
  if (methods !== undefined && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) {
    return { headers: {}, form: { client_id: credentials.clientId, client_secret: credentials.clientSecret } };
  }
  const basic = Buffer.from(`${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret)}`).toString('base64');
  return { headers: { authorization: `Basic ${basic}` }, form: {} };
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
