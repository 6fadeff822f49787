import { describe, expect, it } from 'vitest';
import { UmaClient } from '../../src/uma/index.js';
import { DIALECTS, umaRejection, umaSession } from './harness.js';

describe.each(DIALECTS)('discovery against the %s dev AS', (dialect) => {
  const session = umaSession();

  it('detects the dialect from the document and keeps the endpoints it names', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    expect(client.dialect).toBe(dialect);
    expect(client.issuer).toBe(as.issuer);
    expect(client.discovery.permission_endpoint.startsWith(as.url)).toBe(true);
    expect(client.discovery.introspection_endpoint).toBeDefined();
  });

  it('takes a full discovery URL instead of the issuer', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs, { discoveryUrl: as.discoveryUrl });
    expect(client.dialect).toBe(dialect);
  });

  it('refuses a UMA 1.0 document, naming it', async () => {
    const { as, rs } = await session.start(dialect);
    const uma1 = {
      issuer: as.issuer,
      token_endpoint: `${as.url}/token`,
      rpt_endpoint: `${as.url}/rpt`,
      resource_set_registration_endpoint: `${as.url}/rsrc`,
      permission_registration_endpoint: `${as.url}/perm`,
    };
    as.faults.add({ endpoint: 'discovery', fault: { kind: 'answer', status: 200, body: uma1 } });
    const err = await umaRejection(session.connect(as, rs));
    expect(err.code).toBe('uma1_discovery');
    expect(err.message).toMatch(/UMA 1\.0.*uma2-configuration/);
  });

  it.each(['token_endpoint', 'resource_registration_endpoint', 'permission_endpoint'])('refuses a document without %s', async (field) => {
    const { as, rs } = await session.start(dialect);
    const doc = await (await fetch(as.discoveryUrl)).json() as Record<string, unknown>;
    const without = Object.fromEntries(Object.entries(doc).filter(([key]) => key !== field));
    as.faults.add({ endpoint: 'discovery', fault: { kind: 'answer', status: 200, body: without } });
    const err = await umaRejection(session.connect(as, rs));
    expect(err.code).toBe('discovery_invalid');
    expect(err.message).toContain(`has no ${field}`);
  });

  it('falls back to token_introspection_endpoint, and requires jwks_uri only for JWT verification', async () => {
    const { as, rs } = await session.start(dialect);
    const doc = await (await fetch(as.discoveryUrl)).json() as Record<string, unknown>;
    const { introspection_endpoint: introspection, ...rest } = doc;
    as.faults.add({ endpoint: 'discovery', fault: { kind: 'answer', status: 200, body: { ...rest, token_introspection_endpoint: introspection } }, times: 1 });
    const legacy = await session.connect(as, rs);
    expect(legacy.discovery.introspection_endpoint).toBe(introspection);
    as.faults.add({ endpoint: 'discovery', fault: { kind: 'answer', status: 200, body: rest }, times: 2 });
    const withoutIntrospection = await umaRejection(session.connect(as, rs));
    expect(withoutIntrospection.message).toMatch(/no introspection_endpoint.*JWT/);
    const jwtOnly = await session.connect(as, rs, { rptVerification: 'jwt' });
    expect(jwtOnly.discovery.jwks_uri).toBe(doc.jwks_uri);
  });

  it('probes with the same requirements it was discovered with (a JWT-only document stays healthy)', async () => {
    const { as, rs } = await session.start(dialect);
    const doc = await (await fetch(as.discoveryUrl)).json() as Record<string, unknown>;
    const jwtOnly = Object.fromEntries(Object.entries(doc).filter(([key]) => key !== 'introspection_endpoint'));
    as.faults.add({ endpoint: 'discovery', fault: { kind: 'answer', status: 200, body: jwtOnly } });
    const client = await session.connect(as, rs, { rptVerification: 'jwt' });
    const before = as.count('discovery');
    await client.probe();
    expect(as.count('discovery')).toBe(before + 1);
  });

  it('refuses an AS that answers HTML, saying so', async () => {
    const { as, rs } = await session.start(dialect);
    as.faults.add({ endpoint: 'discovery', fault: { kind: 'html' } });
    const err = await umaRejection(session.connect(as, rs));
    expect(err.code).toBe('as_bad_response');
    expect(err.message).toMatch(/HTML page .* not JSON/);
  });

  // AS mix-up (RFC 9207 class): a discovery document that names another issuer would make
  // umagate send its client secret and PATs to, and accept RPTs for, an AS it was not told to trust.
  it('mix-up: refuses a document naming another issuer than the one configured', async () => {
    const { as, rs } = await session.start(dialect);
    const doc = await (await fetch(as.discoveryUrl)).json() as Record<string, unknown>;
    as.faults.add({ endpoint: 'discovery', fault: { kind: 'answer', status: 200, body: { ...doc, issuer: 'https://elsewhere.example' } } });
    const err = await umaRejection(session.connect(as, rs));
    expect(err.code).toBe('discovery_invalid');
    expect(err.message).toContain('names issuer https://elsewhere.example');
  });
});

describe('dialect choice', () => {
  const session = umaSession();

  it('uses the dialect given instead of detecting one', async () => {
    const { as, rs } = await session.start('keycloak');
    const client = await session.connect(as, rs, { dialect: 'strict' });
    expect(client.dialect).toBe('strict');
  });

  it('detects Janssen from the bare-host issuer document at the well-known path', async () => {
    const { as, rs } = await session.start('janssen');
    expect(as.discoveryUrl).toContain('/jans-auth/restv1/uma2-configuration');
    const client = await session.connect(as, rs, { issuer: as.issuer });
    expect(client.dialect).toBe('janssen');
  });
});

describe('client options', () => {
  const session = umaSession();
  const credentials = { clientId: 'rs', clientSecret: 'do-not-print-me' };

  it.each([
    { what: 'neither issuer nor discovery URL', options: {}, message: /exactly one of issuer and discoveryUrl/ },
    { what: 'both issuer and discovery URL', options: { issuer: 'https://a.example', discoveryUrl: 'https://a.example/d' }, message: /exactly one/ },
    // Cleartext credentials: the client secret and PATs must not cross a network unencrypted unless asked.
    { what: 'plain http off loopback', options: { issuer: 'http://as.example.com/realms/x' }, message: /plain http off loopback.*allowHttp/ },
    { what: 'a URL that is not one', options: { issuer: 'as.example.com' }, message: /is not a URL/ },
    { what: 'an unknown dialect', options: { issuer: 'https://as.example', dialect: 'okta' as 'strict' }, message: /unknown AS dialect "okta"/ },
    { what: 'a zero timeout', options: { issuer: 'https://as.example', timeoutMs: 0 }, message: /timeoutMs must be a positive integer/ },
    { what: 'a missing CA file', options: { issuer: 'https://as.example', caFile: '/nonexistent/ca.pem' }, message: /cannot read the AS CA file/ },
  ])('refuses $what before any call', async ({ options, message }) => {
    const err = await umaRejection(UmaClient.discover({ ...credentials, ...options }));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(credentials.clientSecret);
  });

  it('warns loudly when TLS verification is switched off', async () => {
    const { as, rs } = await session.start('strict');
    const warnings: string[] = [];
    await session.connect(as, rs, { insecureSkipTlsVerify: true, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/TLS certificate verification for the AS is OFF/)]);
  });
});
