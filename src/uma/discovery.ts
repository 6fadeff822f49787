/**
 * The AS discovery document (GRANT §2, FEDZ §2, RFC 8414): where it is, what it must name, and
 * which dialect it reveals.
 */
import { isRecord } from '../common/json.js';
import { badAnswer, jsonBody, optionalString, stringArray } from './answer.js';
import { UmaError } from './errors.js';
import type { AsAnswer } from './http.js';
import type { AsDialect, RptVerification, UmaDiscovery } from './types.js';
import type { AsUrls } from './urls.js';

const WELL_KNOWN = '/.well-known/uma2-configuration';

/** Fields only a UMA 1.0 document has. */
const UMA1_FIELDS = ['rpt_endpoint', 'resource_set_registration_endpoint', 'permission_registration_endpoint'];

/**
 * The discovery URL: the one given, or issuer + `/.well-known/uma2-configuration` — appended
 * after the issuer's path (GRANT §2), not inserted before it as RFC 8414 §3 would.
 */
export function discoveryUrl(options: { readonly issuer?: string; readonly discoveryUrl?: string }, urls: AsUrls): URL {
  if ((options.issuer === undefined) === (options.discoveryUrl === undefined)) {
    throw new UmaError('config_invalid', 'give the AS issuer or its discovery URL (exactly one of issuer and discoveryUrl)');
  }
  if (options.discoveryUrl !== undefined) return urls.check(options.discoveryUrl, 'the discovery URL', 'config_invalid');
  const issuer = urls.check(options.issuer ?? '', 'the issuer', 'config_invalid');
  if (issuer.search !== '') throw new UmaError('config_invalid', `the issuer must not carry a query: ${issuer.href}`);
  return new URL(`${issuer.href.replace(/\/+$/, '')}${WELL_KNOWN}`);
}

export function readDiscovery(
  answer: AsAnswer,
  expectedIssuer: string | undefined,
  verification: RptVerification,
  urls: AsUrls,
): UmaDiscovery {
  const doc = answer.status === 200 ? jsonBody(answer) : undefined;
  if (!isRecord(doc)) throw badAnswer(answer, 'a UMA 2.0 discovery document');
  const where = answer.url.href;
  if (UMA1_FIELDS.some((field) => field in doc) || answer.url.pathname.endsWith('/uma-configuration')) {
    throw new UmaError(
      'uma1_discovery',
      `the document at ${where} is UMA 1.0 discovery (uma-configuration, rpt_endpoint), a different protocol: point at the AS's UMA 2.0 document (${WELL_KNOWN})`,
      { endpoint: 'discovery' },
    );
  }
  const endpoint = (field: string, value: unknown = doc[field]): string => {
    const raw = optionalString(value);
    if (raw === undefined) throw missing(where, field);
    return urls.check(raw, `the discovery document's ${field}`, 'discovery_invalid').href;
  };
  const optionalEndpoint = (field: string, value: unknown = doc[field]): string | undefined =>
    optionalString(value) === undefined ? undefined : endpoint(field, value);
  const issuer = optionalString(doc.issuer);
  if (issuer === undefined) throw missing(where, 'issuer');
  if (expectedIssuer !== undefined && trimSlash(issuer) !== trimSlash(expectedIssuer)) {
    throw new UmaError(
      'discovery_invalid',
      `the discovery document at ${where} names issuer ${issuer}, not the configured ${expectedIssuer}: configure the issuer the AS announces, or give the discovery URL instead`,
      { endpoint: 'discovery' },
    );
  }
  const introspection =
    optionalEndpoint('introspection_endpoint') ?? optionalEndpoint('token_introspection_endpoint');
  const jwks = optionalEndpoint('jwks_uri');
  if (verification === 'introspect' && introspection === undefined) {
    throw missing(where, 'introspection_endpoint (nor token_introspection_endpoint)', 'verify RPTs as JWTs against jwks_uri instead, or use an AS that offers introspection');
  }
  if (verification === 'jwt' && jwks === undefined) {
    throw missing(where, 'jwks_uri', 'verify RPTs by introspection instead');
  }
  const grants = stringArray(doc.grant_types_supported);
  const authMethods = stringArray(doc.token_endpoint_auth_methods_supported);
  const policy = optionalEndpoint('policy_endpoint');
  const claims = optionalEndpoint('claims_interaction_endpoint');
  return {
    issuer,
    token_endpoint: endpoint('token_endpoint'),
    resource_registration_endpoint: endpoint('resource_registration_endpoint'),
    permission_endpoint: endpoint('permission_endpoint'),
    ...(introspection === undefined ? {} : { introspection_endpoint: introspection }),
    ...(jwks === undefined ? {} : { jwks_uri: jwks }),
    ...(policy === undefined ? {} : { policy_endpoint: policy }),
    ...(claims === undefined ? {} : { claims_interaction_endpoint: claims }),
    ...(grants === undefined ? {} : { grant_types_supported: grants }),
    ...(authMethods === undefined ? {} : { token_endpoint_auth_methods_supported: authMethods }),
  };
}

/**
 * `keycloak` when the document has Keycloak's `policy_endpoint` or the issuer is a realm
 * (`/realms/<r>`); `janssen` when introspection is Janssen/Gluu's `…/rpt/status`; else `strict`.
 */
export function detectDialect(discovery: UmaDiscovery): AsDialect {
  if (discovery.policy_endpoint !== undefined || /\/realms\/[^/]+\/?$/.test(pathOf(discovery.issuer))) return 'keycloak';
  if (discovery.introspection_endpoint !== undefined && /\/rpt\/status\/?$/.test(pathOf(discovery.introspection_endpoint))) {
    return 'janssen';
  }
  return 'strict';
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

function missing(where: string, field: string, fix = 'check the issuer or discovery URL: this AS does not offer the UMA 2.0 protection API there'): UmaError {
  return new UmaError('discovery_invalid', `the discovery document at ${where} has no ${field}: ${fix}`, { endpoint: 'discovery' });
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
