import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDevOxd, type DevOxd } from '../../src/devoxd/index.js';
import { OxdClient } from '../../src/oxd/client.js';
import { callCli, type CliResult } from '../helpers/cli.js';
import { writeDevIni } from '../fixtures/oxd/dev-ini.js';

let dev: DevOxd;
let ini: string;

beforeEach(async () => {
  dev = await startDevOxd({ restPort: 0, socketPort: null });
  ini = await writeDevIni(dev, 'rest');
  const client = await OxdClient.fromConfigFile(ini);
  await client.setupClient();
  await client.close();
});

afterEach(async () => {
  await dev.close();
});

function oxd(command: string, ...args: string[]): Promise<CliResult> {
  return callCli(['oxd', command, ...args, '--oxd-config', ini]);
}

function json(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

describe('umagate oxd', () => {
  it('get-client-token prints the token and writes it to the ini', async () => {
    const result = await oxd('get-client-token');
    expect(result.code).toBe(0);
    const token = json(result.stdout);
    expect(token).toMatchObject({ access_token: expect.any(String) as unknown, scope: ['openid', 'oxd'] });
    expect(await readFile(ini, 'utf8')).toContain(`protection_access_token = ${String(token['access_token'])}\n`);
  });

  it('reads the config from UMAGATE_OXD_CONFIG when no flag is given', async () => {
    const result = await callCli(['oxd', 'get-rp'], { env: { UMAGATE_OXD_CONFIG: ini } });
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toHaveProperty('node');
  });

  it('protects resources from @file, gets a ticket, and turns it into an RPT', async () => {
    const resources = join(dirname(ini), 'resources.json');
    await writeFile(resources, JSON.stringify([{ path: '/photo', conditions: [{ httpMethods: ['GET'], scopes: ['view', 'edit'] }] }]));
    expect((await oxd('uma-rs-protect', '--resources', `@${resources}`, '--overwrite')).code).toBe(0);
    const denied = await oxd('uma-rs-check-access', '--path', '/photo', '--http-method', 'GET');
    expect(denied.code).toBe(0);
    const ticket = json(denied.stdout)['ticket'];
    expect(ticket).toEqual(expect.any(String));
    const rpt = await oxd('uma-rp-get-rpt', '--ticket', String(ticket), '--scope', 'view', '--scope', 'edit');
    expect(rpt.code).toBe(0);
    expect(json(rpt.stdout)).toMatchObject({ token_type: 'Bearer' });
    const call = dev.calls.find((c) => c.command === 'uma_rp_get_rpt');
    expect(call?.params['scope']).toEqual(['view', 'edit']);
  });

  it('takes comma-separated lists', async () => {
    const result = await oxd('get-authorization-url', '--scope', 'openid, profile', '--acr-values', 'basic');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatch(/scope=openid%20profile/);
  });

  it('prints need_info and exits 3', async () => {
    const resources = JSON.stringify([{ path: '/s', conditions: [{ httpMethods: ['GET'], scopes: ['s#need_info'] }] }]);
    await oxd('uma-rs-protect', '--resources', resources);
    const ticket = json((await oxd('uma-rs-check-access', '--path', '/s', '--http-method', 'GET')).stdout)['ticket'];
    const result = await oxd('uma-rp-get-rpt', '--ticket', String(ticket));
    expect(result.code).toBe(3);
    expect(json(result.stdout)).toMatchObject({ error: 'need_info', ticket: expect.any(String) as unknown });
  });

  it.each([
    { why: 'an unprotected path', args: ['uma-rs-check-access', '--path', '/nothing', '--http-method', 'GET'], code: 'invalid_request' },
    { why: 'resources that are not JSON', args: ['uma-rs-protect', '--resources', '{not json'], code: 'invalid_argument' },
    { why: 'a resource without conditions', args: ['uma-rs-protect', '--resources', '[{"path":"/x"}]'], code: 'invalid_argument' },
  ])('prints {code,message} on stderr and exits 1 for $why', async ({ args, code }) => {
    const [command = '', ...rest] = args;
    const result = await oxd(command, ...rest);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(json(result.stderr)).toEqual({ code, message: expect.any(String) as unknown });
  });

  it('reports a missing config file as config_invalid', async () => {
    const result = await callCli(['oxd', 'get-rp', '--oxd-config', join(dirname(ini), 'missing.cfg')]);
    expect(result.code).toBe(1);
    expect(json(result.stderr)).toMatchObject({ code: 'config_invalid' });
  });

  it('--help lists every command with its parameters', async () => {
    const result = await callCli(['oxd', '--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'setup-client',
      'get-client-token',
      'introspect-access-token',
      'register-site',
      'update-site-registration',
      'remove-site',
      'get-authorization-url',
      'get-tokens-by-code',
      'get-access-token-by-refresh-token',
      'get-user-info',
      'get-logout-uri',
      'uma-rs-protect',
      'uma-rs-check-access',
      'introspect-rpt',
      'uma-rp-get-rpt',
      'uma-rp-get-claims-gathering-url',
      'get-rp',
    ]) {
      expect(result.stdout).toContain(`  ${command} `);
    }
    expect(result.stdout).toContain('--ticket <value>');
    expect(result.stdout).toContain('--http-method <value>');
  });
});
