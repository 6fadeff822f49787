/**
 * Token revocation (RFC 7009): a client revokes a token issued to it — a PAT, its refresh token,
 * or an RPT — authenticating as at the token endpoint. From then on the AS treats the token as
 * unknown: protection calls bearing it get 401 `invalid_token`, introspection says `active: false`.
 */
import { authenticateClient, isReply } from './client-auth.js';
import { NO_STORE, oauthError, type AsRequest, type DevAsContext, type Reply } from './exchange.js';

export function handleRevocation(ctx: DevAsContext, request: AsRequest): Reply {
  if (request.method !== 'POST') return oauthError(405, 'invalid_request', 'The revocation endpoint takes POST.');
  const client = authenticateClient(ctx, request);
  if (isReply(client)) return client;
  const token = request.form.get('token');
  if (token === null || token === '') return oauthError(400, 'invalid_request', 'token is required.', NO_STORE);
  const owner = ctx.as.issuedTo(token);
  // §2.1: a token issued to another client is refused; §2.2: an unknown, expired or already
  // revoked one is answered 200, since the client's purpose (the token is unusable) is met.
  if (owner !== undefined && owner !== client.clientId) return oauthError(400, 'unauthorized_client', 'The token was issued to another client.', NO_STORE);
  ctx.as.revoke(token);
  return { status: 200, headers: NO_STORE };
}
