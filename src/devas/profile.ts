/**
 * Where each dialect's endpoints live and what its discovery document says, as documented for
 * Keycloak (`/realms/<r>/…`, `policy_endpoint`), Janssen/Gluu (`/jans-auth/restv1/…`, a bare-host
 * issuer, introspection at `…/rpt/status`) and the Kantara specs; each with an RFC 7009 revocation
 * endpoint. See docs/uma2-direct.md.
 */
import { CLAIMS_GATHERING_PATH } from '../devoxd/as-endpoints.js';
import type { DevAsDialect, DevAsEndpoint } from './types.js';

const UMA_TICKET = 'urn:ietf:params:oauth:grant-type:uma-ticket';

export interface Profile {
  readonly issuer: string;
  readonly discoveryUrl: string;
  /** Path → endpoint; the resource registration endpoint also takes `/<id>` below it. */
  readonly paths: ReadonlyMap<string, DevAsEndpoint>;
  readonly resourceRegistrationPath: string;
  readonly discovery: Readonly<Record<string, unknown>>;
}

export function profileFor(dialect: DevAsDialect, origin: string, realm: string): Profile {
  switch (dialect) {
    case 'keycloak':
      return keycloak(origin, realm);
    case 'janssen':
      return janssen(origin);
    case 'strict':
      return strict(origin);
  }
}

function keycloak(origin: string, realm: string): Profile {
  const root = `/realms/${encodeURIComponent(realm)}`;
  const issuer = `${origin}${root}`;
  const p = {
    token: `${root}/protocol/openid-connect/token`,
    revocation: `${root}/protocol/openid-connect/revoke`,
    introspection: `${root}/protocol/openid-connect/token/introspect`,
    jwks: `${root}/protocol/openid-connect/certs`,
    rreg: `${root}/authz/protection/resource_set`,
    permission: `${root}/authz/protection/permission`,
  };
  return build(issuer, `${root}/.well-known/uma2-configuration`, [], p, origin, {
    issuer,
    authorization_endpoint: `${origin}${root}/protocol/openid-connect/auth`,
    token_endpoint: `${origin}${p.token}`,
    revocation_endpoint: `${origin}${p.revocation}`,
    introspection_endpoint: `${origin}${p.introspection}`,
    jwks_uri: `${origin}${p.jwks}`,
    grant_types_supported: ['authorization_code', 'implicit', 'refresh_token', 'password', 'client_credentials', UMA_TICKET],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'tls_client_auth', 'client_secret_jwt'],
    resource_registration_endpoint: `${origin}${p.rreg}`,
    permission_endpoint: `${origin}${p.permission}`,
    policy_endpoint: `${origin}${root}/authz/protection/uma-policy`,
  });
}

function janssen(origin: string): Profile {
  const base = '/jans-auth/restv1';
  const p = {
    token: `${base}/token`,
    revocation: `${base}/revoke`,
    introspection: `${base}/rpt/status`,
    jwks: `${base}/jwks`,
    rreg: `${base}/host/rsrc/resource_set`,
    permission: `${base}/host/rsrc_pr`,
  };
  // The document lives under the application path; the web front-end maps the well-known path too.
  return build(origin, `${base}/uma2-configuration`, ['/.well-known/uma2-configuration'], p, origin, {
    issuer: origin,
    authorization_endpoint: `${origin}${base}/authorize`,
    token_endpoint: `${origin}${p.token}`,
    revocation_endpoint: `${origin}${p.revocation}`,
    jwks_uri: `${origin}${p.jwks}`,
    registration_endpoint: `${origin}${base}/register`,
    introspection_endpoint: `${origin}${p.introspection}`,
    resource_registration_endpoint: `${origin}${p.rreg}`,
    permission_endpoint: `${origin}${p.permission}`,
    scope_endpoint: `${origin}${base}/uma/scopes`,
    // Janssen's page lives at …/uma/gather_claims too; the dev AS serves the shared dev page.
    claims_interaction_endpoint: `${origin}${CLAIMS_GATHERING_PATH}`,
    grant_types_supported: ['authorization_code', 'implicit', 'client_credentials', UMA_TICKET],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'],
    uma_profiles_supported: [],
  });
}

function strict(origin: string): Profile {
  const p = { token: '/token', revocation: '/revoke', introspection: '/introspect', jwks: '/jwks', rreg: '/rreg', permission: '/perm' };
  return build(origin, '/.well-known/uma2-configuration', [], p, origin, {
    issuer: origin,
    token_endpoint: `${origin}${p.token}`,
    revocation_endpoint: `${origin}${p.revocation}`,
    introspection_endpoint: `${origin}${p.introspection}`,
    jwks_uri: `${origin}${p.jwks}`,
    resource_registration_endpoint: `${origin}${p.rreg}`,
    permission_endpoint: `${origin}${p.permission}`,
    grant_types_supported: ['client_credentials', UMA_TICKET],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    claims_interaction_endpoint: `${origin}${CLAIMS_GATHERING_PATH}`,
    uma_profiles_supported: [],
  });
}

interface EndpointPaths {
  readonly token: string;
  readonly revocation: string;
  readonly introspection: string;
  readonly jwks: string;
  readonly rreg: string;
  readonly permission: string;
}

function build(
  issuer: string,
  discoveryPath: string,
  aliases: readonly string[],
  p: EndpointPaths,
  origin: string,
  discovery: Readonly<Record<string, unknown>>,
): Profile {
  const paths = new Map<string, DevAsEndpoint>([
    [discoveryPath, 'discovery'],
    ...aliases.map((a): [string, DevAsEndpoint] => [a, 'discovery']),
    [p.token, 'token'],
    [p.revocation, 'revocation'],
    [p.introspection, 'introspection'],
    [p.jwks, 'jwks'],
    [p.rreg, 'resource_registration'],
    [p.permission, 'permission'],
  ]);
  return { issuer, discoveryUrl: `${origin}${discoveryPath}`, paths, resourceRegistrationPath: p.rreg, discovery };
}
