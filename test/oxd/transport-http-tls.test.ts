import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OxdError } from '../../src/oxd/errors.js';
import { createHttpTransport } from '../../src/oxd/transport/http.js';
import type { HttpTransportOptions } from '../../src/oxd/transport/types.js';
import { closeServer, listenOn } from '../helpers/listen.js';
import { hasOpenssl, makeSelfSignedCert, removeCert } from '../helpers/tls.js';
import type { SelfSignedCert } from '../helpers/tls.js';

async function call(options: Omit<HttpTransportOptions, 'protocol' | 'timeoutMs'>): Promise<unknown> {
  const transport = createHttpTransport({ protocol: 'rest', timeoutMs: 2000, ...options });
  try {
    return await transport.send('get_rp', { oxd_id: 'o' }, null);
  } finally {
    await transport.close();
  }
}

describe.skipIf(!hasOpenssl)('http transport TLS (needs the openssl CLI to mint a self-signed certificate)', () => {
  let cert: SelfSignedCert;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ node: { oxd_id: 'o' } }));
      });
    });
    baseUrl = `https://127.0.0.1:${await listenOn(server)}/`;
  });

  afterAll(async () => {
    await closeServer(server);
    removeCert(cert);
  });

  it('trusts a self-signed oxd certificate given as caFile', async () => {
    await expect(call({ baseUrl, caFile: cert.certFile })).resolves.toStrictEqual({ node: { oxd_id: 'o' } });
  });

  it('refuses a certificate no trusted CA signed, with oxd_unreachable', async () => {
    const error = await call({ baseUrl }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OxdError);
    expect(error).toMatchObject({ code: 'oxd_unreachable', message: expect.stringMatching(/certificate/i) as unknown });
  });

  it('accepts any certificate with insecureSkipTlsVerify, and warns', async () => {
    const logger = { warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
    const answer = call({ baseUrl, insecureSkipTlsVerify: true, logger });
    await expect(answer).resolves.toStrictEqual({ node: { oxd_id: 'o' } });
    expect(logger.warn).toHaveBeenCalledWith(
      { insecureSkipTlsVerify: true },
      expect.stringMatching(/verification for oxd is OFF/),
    );
  });

  it('refuses a CA file that holds no certificate with config_invalid', () => {
    const notPem = join(cert.dir, 'not-a-cert.pem');
    writeFileSync(notPem, 'hello\n');
    expect(() => createHttpTransport({ protocol: 'rest', baseUrl, timeoutMs: 1000, caFile: notPem })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });

  it('refuses a missing CA file with config_invalid naming it', () => {
    const missing = join(cert.dir, 'missing.pem');
    expect(() => createHttpTransport({ protocol: 'rest', baseUrl, timeoutMs: 1000, caFile: missing })).toThrow(
      expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining(missing) as unknown }),
    );
  });
});
