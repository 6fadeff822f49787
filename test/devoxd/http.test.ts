/** The HTTP surfaces: routes, health checks, bad bodies, the extension's socket limit, TLS (docs/oxd-protocols.md). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { caller, devOxd } from './fixture.js';
import { get, post } from './wire.js';

describe('HTTP routes', () => {
  it('answers the 4.x health check as JSON and the extension one as text', async () => {
    const oxd = await devOxd();
    expect((await get(oxd.restUrl ?? '', '/health-check')).json).toEqual({ application: 'oxd', version: '4.2.0-dev', status: 'running' });
    const extension = await get(oxd.httpsExtensionUrl ?? '', '/health-check');
    expect([extension.status, extension.text]).toEqual([200, 'running']);
  });

  it.each([
    { flavour: 'rest', path: '/setup-client' },
    { flavour: 'rest', path: '/no-such-command' },
    { flavour: 'https-extension', path: '/get-rp' },
    { flavour: 'rest', path: '/get_rp' },
  ] as const)('answers 404 for $path on $flavour', async ({ flavour, path }) => {
    const oxd = await devOxd();
    const base = (flavour === 'rest' ? oxd.restUrl : oxd.httpsExtensionUrl) ?? '';
    const reply = await post(base, path, {});
    expect([reply.status, reply.json]).toEqual([404, { code: 404, message: 'HTTP 404 Not Found' }]);
  });

  it('answers 405 for a GET on a command', async () => {
    const oxd = await devOxd();
    expect((await get(oxd.restUrl ?? '', '/get-rp')).status).toBe(405);
  });

  it.each(['rest', 'https-extension'] as const)('answers 400 Invalid parameters for a body that is not JSON on %s', async (flavour) => {
    const oxd = await devOxd();
    const base = (flavour === 'rest' ? oxd.restUrl : oxd.httpsExtensionUrl) ?? '';
    const reply = await post(base, '/get-client-token', '{oops');
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/^Invalid parameters\. Message: /);
  });

  it('answers 400 Invalid parameters for a value of the wrong type on REST', async () => {
    const oxd = await devOxd({ protectCommands: { rest: false } });
    const reply = await post(oxd.restUrl ?? '', '/get-rp', { oxd_id: { nested: true } });
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/^Invalid parameters\. Message: /);
  });

  it('writes 4.x errors bare, without nulls, with the ErrorResponseCode status', async () => {
    const oxd = await devOxd({ protectCommands: { rest: false } });
    const reply = await post(oxd.restUrl ?? '', '/get-rp', { oxd_id: 'unknown' });
    expect(reply.status).toBe(400);
    expect(reply.text).toBe(
      '{"error":"invalid_oxd_id","error_description":"Invalid oxd_id. Unable to find the site for oxd_id. It does not exist or has been removed from the server. Please use the register_site command to register a site."}',
    );
  });

  it('writes extension errors as HTTP 200 envelopes, AS errors as their own status', async () => {
    const oxd = await devOxd();
    const call = await caller(oxd, 'https-extension', () => 'any');
    expect(await call('uma_rs_check_access', { oxd_id: 'unknown', path: '/p', http_method: 'GET' })).toMatchObject({
      ok: false,
      status: 200,
      data: { error: 'invalid_oxd_id', details: null },
    });
    expect(await call('get_client_token', { client_id: 'x', client_secret: 'y', op_host: oxd.opHost })).toMatchObject({ status: 401, data: { error: 'invalid_client' } });
  });

  it('answers 500 on the extension when the forwarded command exceeds the socket frame', async () => {
    const oxd = await devOxd();
    const reply = await post(oxd.httpsExtensionUrl ?? '', '/get-client-token', { client_id: 'x'.repeat(10_000) });
    expect(reply.status).toBe(500);
    expect(reply.text).toBe('Command response is null, please check oxd-server.log file of oxd-server application.');
  });

  it('serves HTTPS when given a key and certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devoxd-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'));
      const oxd = await devOxd({ tls: { key: readFileSync(join(dir, 'key.pem')), cert } });
      expect(oxd.restUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const dispatcher = new Agent({ connect: { ca: cert } });
      const res = await request(`${oxd.restUrl ?? ''}/health-check`, { dispatcher });
      expect(await res.body.json()).toMatchObject({ status: 'running' });
      await dispatcher.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
