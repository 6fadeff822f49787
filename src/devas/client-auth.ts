/** Who is calling: client authentication (Basic or form fields) and PAT bearer checks. */
import type { AccessToken, Client } from '../devoxd/authorization-server.js';
import { oauthError, type AsRequest, type DevAsContext, type Reply } from './exchange.js';

export const PROTECTION_SCOPE = 'uma_protection';

/** The authenticated client, or the 401 `invalid_client` answer (RFC 6749 §5.2). */
export function authenticateClient(ctx: DevAsContext, request: AsRequest): Client | Reply {
  const id = request.basic?.id ?? request.form.get('client_id') ?? undefined;
  const secret = request.basic?.secret ?? request.form.get('client_secret') ?? undefined;
  const client = id === undefined ? undefined : ctx.as.client(id);
  if (client === undefined || secret === undefined || client.clientSecret !== secret) {
    return oauthError(401, 'invalid_client', 'Invalid client or Invalid client credentials', { 'www-authenticate': 'Basic realm="dev-as"' });
  }
  return client;
}

/**
 * The PAT of a protection API call (FEDZ §1.3), or the refusal: 401 for a missing, unknown or
 * expired token; 403 when `uma_protection` is required and the token lacks it.
 */
export function requirePat(ctx: DevAsContext, request: AsRequest, needsProtectionScope: boolean): AccessToken | Reply {
  const token = request.bearer === undefined ? undefined : ctx.as.activeAccessToken(request.bearer);
  if (token === undefined) {
    return oauthError(401, 'invalid_token', 'The access token is missing, unknown or expired.', { 'www-authenticate': 'Bearer realm="dev-as", error="invalid_token"' });
  }
  if (needsProtectionScope && !token.scopes.includes(PROTECTION_SCOPE)) {
    // Keycloak's wording; Janssen and the spec answer the RFC 6750 insufficient_scope.
    return ctx.dialect === 'keycloak'
      ? oauthError(403, 'invalid_scope', 'Requires uma_protection scope.')
      : oauthError(403, 'insufficient_scope', 'The PAT lacks the uma_protection scope.');
  }
  return token;
}

export function isReply(value: object): value is Reply {
  return 'status' in value && typeof value.status === 'number';
}
