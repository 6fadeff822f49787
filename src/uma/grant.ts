/**
 * The uma-ticket grant (GRANT §3.3): a requesting party trades a ticket for an RPT. need_info,
 * request_submitted and request_denied are answers, not failures (GRANT §3.3.6). Keycloak puts
 * the UMA code in `error_description` under `access_denied`; Janssen denies with
 * `forbidden_by_policy`.
 */
import { defined, isRecord } from '../common/json.js';
import { asDetails, badAnswer, describeError, errorBody, jsonBody, optionalNumber, optionalString, stringArray } from './answer.js';
import type { ClientAuth } from './client-auth.js';
import { UmaError } from './errors.js';
import type { AsAnswer, AsHttp } from './http.js';
import type { RequiredClaim, RptRequest, RptGrantResult } from './types.js';

export const UMA_TICKET_GRANT = 'urn:ietf:params:oauth:grant-type:uma-ticket';

export interface GrantContext {
  readonly http: AsHttp;
  readonly auth: ClientAuth;
  readonly endpoint: URL;
}

export async function getRpt(ctx: GrantContext, request: RptRequest): Promise<RptGrantResult> {
  if ((request.claimToken === undefined) !== (request.claimTokenFormat === undefined)) {
    throw new UmaError('invalid_argument', 'claimToken and claimTokenFormat go together (GRANT §3.3.1): give both or neither');
  }
  const form = {
    grant_type: UMA_TICKET_GRANT,
    ticket: request.ticket,
    ...defined({
      claim_token: request.claimToken,
      claim_token_format: request.claimTokenFormat,
      pct: request.pct,
      rpt: request.rpt,
      scope: request.scope === undefined || request.scope.length === 0 ? undefined : request.scope.join(' '),
    }),
    ...ctx.auth.form,
  };
  const answer = await ctx.http.request({ endpoint: 'token', method: 'POST', url: ctx.endpoint, headers: ctx.auth.headers, form });
  const body = jsonBody(answer);
  if (answer.status === 200 && isRecord(body)) return granted(answer, body);
  return refusal(answer, body);
}

function granted(answer: AsAnswer, body: Readonly<Record<string, unknown>>): RptGrantResult {
  const accessToken = optionalString(body.access_token);
  if (accessToken === undefined) throw badAnswer(answer, 'an RPT (access_token)');
  return {
    outcome: 'granted',
    access_token: accessToken,
    token_type: optionalString(body.token_type) ?? 'Bearer',
    upgraded: body.upgraded === true,
    ...defined({ pct: optionalString(body.pct), expires_in: optionalNumber(body.expires_in) }),
  };
}

function refusal(answer: AsAnswer, body: unknown): RptGrantResult {
  const error = errorBody(answer);
  if (error === undefined || !isRecord(body) || answer.status >= 500) throw badAnswer(answer, 'an RPT');
  const ticket = optionalString(body.ticket);
  const code = error.error === 'access_denied' && error.description === 'request_submitted' ? 'request_submitted' : error.error;
  switch (code) {
    case 'need_info':
      if (ticket === undefined) throw badAnswer(answer, 'need_info with a new ticket');
      return {
        outcome: 'need_info',
        ticket,
        required_claims: Array.isArray(body.required_claims) ? body.required_claims.flatMap(readClaim) : [],
        ...defined({ redirect_user: optionalString(body.redirect_user) }),
      };
    case 'request_submitted':
      return { outcome: 'request_submitted', ...defined({ ticket, interval: optionalNumber(body.interval) }) };
    case 'request_denied':
    case 'access_denied':
    case 'forbidden_by_policy':
      return { outcome: 'request_denied', error: error.error, ...defined({ description: error.description }) };
    default:
      throw grantFailure(answer, error);
  }
}

function grantFailure(answer: AsAnswer, error: NonNullable<ReturnType<typeof errorBody>>): UmaError {
  const details = asDetails(answer, error);
  const said = describeError(error, answer);
  switch (error.error) {
    case 'invalid_grant':
      return new UmaError('invalid_ticket', `the AS refused the ticket (${said}): tickets are single-use and expire; ask the resource server for a new one`, details);
    case 'invalid_client':
      return new UmaError('invalid_client', `the AS refused the client credentials (${said}): check the client id and secret`, details);
    case 'invalid_scope':
      return new UmaError('invalid_scope', `the AS refused a requested scope (${said})`, details);
    default:
      return new UmaError('as_error', `the AS refused the uma-ticket grant: ${said}`, details);
  }
}

function readClaim(entry: unknown): RequiredClaim[] {
  if (!isRecord(entry)) return [];
  return [
    defined({
      claim_token_format: stringArray(entry.claim_token_format),
      claim_type: optionalString(entry.claim_type),
      friendly_name: optionalString(entry.friendly_name),
      issuer: stringArray(entry.issuer),
      name: optionalString(entry.name),
    }),
  ];
}
