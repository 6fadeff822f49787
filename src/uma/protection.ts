/**
 * Calls to the protection API (FEDZ §1.3): each carries the PAT as a bearer token; a 401 means
 * the PAT lapsed or was revoked, so the call is retried once with a fresh one. Refusals every
 * protection endpoint shares are named here.
 */
import type { ProtectionToken, IssuedToken } from '../common/token-holder.js';
import { asDetails, describeError, errorBody } from './answer.js';
import { UmaError } from './errors.js';
import type { AsAnswer, AsHttp, AsRequest } from './http.js';
import { PROTECTION_SCOPE } from './pat.js';

export class ProtectionApi {
  readonly #http: AsHttp;
  readonly #pat: ProtectionToken<IssuedToken>;
  readonly #clientId: string;

  constructor(http: AsHttp, pat: ProtectionToken<IssuedToken>, clientId: string) {
    this.#http = http;
    this.#pat = pat;
    this.#clientId = clientId;
  }

  /** The answer to `request` sent with the PAT; shared refusals (see `protectionRefusal`) thrown. */
  async call(request: Omit<AsRequest, 'headers'>): Promise<AsAnswer> {
    let answer = await this.#send(request);
    if (answer.status === 401) answer = await this.#send(request);
    if (answer.status === 401) {
      throw new UmaError(
        'pat_refused',
        `the AS refused a freshly issued PAT at its ${request.endpoint} endpoint (${describeError(errorBody(answer), answer)}): check that the AS accepts its own tokens there (clock, issuer/host name)`,
        asDetails(answer),
      );
    }
    const refusal = protectionRefusal(answer, this.#clientId);
    if (refusal !== undefined) throw refusal;
    return answer;
  }

  async #send(request: Omit<AsRequest, 'headers'>): Promise<AsAnswer> {
    const pat = await this.#pat.get();
    const answer = await this.#http.request({ ...request, headers: { authorization: `Bearer ${pat}` } });
    if (answer.status === 401) this.#pat.reject(pat);
    return answer;
  }
}

/** Keycloak's (and Janssen's) answers that mean the client is not set up as a resource server. */
function protectionRefusal(answer: AsAnswer, clientId: string): UmaError | undefined {
  if (answer.status !== 400 && answer.status !== 403) return undefined;
  const error = errorBody(answer);
  if (error === undefined) return undefined;
  const client = JSON.stringify(clientId);
  const said = describeError(error, answer);
  const details = asDetails(answer, error);
  if (error.error === 'not_supported' && /remote management is disabled/i.test(error.description ?? '')) {
    return new UmaError(
      'remote_resource_management_disabled',
      `the AS does not let client ${client} manage its resources remotely (${said}): turn on "Remote Resource Management" in the client's Authorization settings`,
      details,
    );
  }
  if (answer.status === 403 && error.error === 'invalid_clientId') {
    return new UmaError(
      'not_resource_server',
      `client ${client} is not a resource server at the AS (${said}): enable Authorization for the client`,
      details,
    );
  }
  if (answer.status === 403 && (error.error === 'invalid_scope' || error.error === 'insufficient_scope')) {
    return new UmaError(
      'uma_protection_missing',
      `the PAT of client ${client} lacks ${PROTECTION_SCOPE} (${said}): grant the client's service account the ${PROTECTION_SCOPE} role (Keycloak) or allow the client the ${PROTECTION_SCOPE} scope`,
      details,
    );
  }
  return undefined;
}
