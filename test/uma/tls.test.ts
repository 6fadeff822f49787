import { createServer, type Server } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UmaClient } from '../../src/uma/index.js';
import { closeServer, listenOn } from '../helpers/listen.js';
import { hasOpenssl, makeSelfSignedCert, removeCert, type SelfSignedCert } from '../helpers/tls.js';
import { umaRejection } from './harness.js';

describe.skipIf(!hasOpenssl)('UmaClient over TLS (needs the openssl CLI to mint a self-signed certificate)', () => {
  let cert: SelfSignedCert;
  let server: Server;
  let issuer: string;

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      req.resume();
      const body = JSON.stringify({
        issuer,
        token_endpoint: `${issuer}/token`,
        resource_registration_endpoint: `${issuer}/rreg`,
        permission_endpoint: `${issuer}/perm`,
        introspection_endpoint: `${issuer}/introspect`,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    issuer = `https://127.0.0.1:${await listenOn(server)}`;
  });

  afterAll(async () => {
    await closeServer(server);
    removeCert(cert);
  });

  const options = { clientId: 'rs', clientSecret: 's' };

  it('refuses a certificate no trusted CA signed', async () => {
    const err = await umaRejection(UmaClient.discover({ ...options, issuer }));
    expect(err.code).toBe('as_unreachable');
    expect(err.message).toMatch(/certificate/i);
  });

  it('trusts a self-signed AS certificate given as caFile', async () => {
    const client = await UmaClient.discover({ ...options, issuer, caFile: cert.certFile });
    expect(client.issuer).toBe(issuer);
    await client.close();
  });

  it('refuses a caFile that holds no certificate, naming the file', async () => {
    const notPem = join(cert.dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    const err = await umaRejection(UmaClient.discover({ ...options, issuer, caFile: notPem }));
    expect(err).toMatchObject({ code: 'config_invalid', message: `the AS CA file ${notPem} holds no PEM certificate` });
  });
});
