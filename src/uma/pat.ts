/**
 * The PAT (FEDZ §1.3): a client_credentials token carrying `uma_protection`. Janssen/Gluu need
 * the scope asked for; Keycloak grants `uma_protection` as a client role and is asked without a
 * scope, so that a realm without a client scope of that name does not refuse the request.
 */
import { isRecord } from '../common/json.js';
import type { IssuedToken } from '../common/token-holder.js';
import { asDetails, badAnswer, describeError, errorBody, jsonBody, optionalNumber, optionalString } from './answer.js';
import type { ClientAuth } from './client-auth.js';
import { UmaError } from './errors.js';
import type { AsAnswer, AsHttp } from './http.js';
import type { AsDialect } from './types.js';

export const PROTECTION_SCOPE = 'uma_protection';

export interface PatRequest {
  readonly http: AsHttp;
  readonly tokenEndpoint: URL;
  readonly auth: ClientAuth;
  readonly clientId: string;
  readonly dialect: AsDialect;
}

export async function requestPat(request: PatRequest): Promise<IssuedToken> {
  const form: Record<string, string> = { grant_type: 'client_credentials', ...request.auth.form };
  if (request.dialect !== 'keycloak') form.scope = PROTECTION_SCOPE;
  const answer = await request.http.request({
    endpoint: 'token',
    method: 'POST',
    url: request.tokenEndpoint,
    headers: request.auth.headers,
    form,
  });
  const body = jsonBody(answer);
  if (answer.status === 200 && isRecord(body)) {
    const accessToken = optionalString(body.access_token);
    if (accessToken === undefined) throw badAnswer(answer, 'a PAT (access_token)');
    // Without expires_in the PAT is kept until the AS refuses it.
    return { access_token: accessToken, expires_in: optionalNumber(body.expires_in) ?? Number.POSITIVE_INFINITY };
  }
  throw patFailure(answer, request.clientId);
}

function patFailure(answer: AsAnswer, clientId: string): UmaError {
  const error = errorBody(answer);
  const client = JSON.stringify(clientId);
  // Keycloak answers a wrong secret with 401 unauthorized_client, the RFC with invalid_client.
  if (error?.error === 'invalid_client' || answer.status === 401) {
    const said = describeError(error, answer);
    return new UmaError('invalid_client', `the AS refused the credentials of client ${client} (${said}): check the client id and secret`, asDetails(answer, error));
  }
  if (error === undefined || answer.status >= 500) return badAnswer(answer, 'a PAT');
  const said = describeError(error, answer);
  const details = asDetails(answer, error);
  switch (error.error) {
    case 'unauthorized_client':
      return new UmaError(
        'pat_refused',
        `the AS will not let client ${client} use the client_credentials grant (${said}): enable it for the client (Keycloak: "Service accounts roles")`,
        details,
      );
    case 'invalid_scope':
      return new UmaError(
        'uma_protection_missing',
        `the AS will not issue client ${client} a PAT with scope ${PROTECTION_SCOPE} (${said}): allow the client the ${PROTECTION_SCOPE} scope`,
        details,
      );
    default:
      return new UmaError('pat_refused', `the AS refused a PAT for client ${client}: ${said}`, details);
  }
}
