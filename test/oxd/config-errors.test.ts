import { chmod, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OxdClient } from '../../src/oxd/client.js';
import { OxdConfigFile, parseOxdConfig } from '../../src/oxd/config.js';
import { OxdError } from '../../src/oxd/errors.js';
import { writeDevIni } from '../fixtures/oxd/dev-ini.js';
import { devOxdSession } from './harness.js';

const FILE = '/etc/umagate/umagate.cfg';
const REST_ONLY = { restPort: 0, socketPort: null } as const;
const session = devOxdSession();

function failure(run: () => unknown): OxdError {
  try {
    run();
  } catch (err) {
    if (err instanceof OxdError) return err;
    throw err;
  }
  throw new Error('expected an OxdError');
}

describe('config_invalid names the file, section and key', () => {
  it.each([
    { text: '[oxd]\nport = abc', message: `${FILE}: [oxd] port: "abc" is not a port number (1-65535)` },
    { text: '[oxd]\nport = 70000', message: `${FILE}: [oxd] port: "70000" is not a port number (1-65535)` },
    { text: '[oxd]\nprotocol = grpc', message: `${FILE}: [oxd] protocol: "grpc" is not one of socket, https-extension, rest` },
    { text: '[oxd]\ntimeout_ms = 0', message: `${FILE}: [oxd] timeout_ms: "0" is not a positive number of milliseconds` },
    { text: '[oxd]\ntimeout_ms = 1.5', message: `${FILE}: [oxd] timeout_ms: "1.5" is not a positive number of milliseconds` },
    { text: '[oxd]\ninsecure_skip_tls_verify = maybe', message: `${FILE}: [oxd] insecure_skip_tls_verify: "maybe" is not true or false` },
    { text: '[oxd]\nprotocol = rest\nhost = ftp://oxd', message: `${FILE}: [oxd] host: "ftp://oxd" is not an http(s) base URL` },
    { text: '[oxd]\nhost = https://oxd:8443/', message: `${FILE}: [oxd] host: "https://oxd:8443/" is a URL; the socket protocol needs a host name (set protocol for HTTP)` },
  ])('$message', ({ text, message }) => {
    const err = failure(() => parseOxdConfig(text, FILE));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toBe(message);
  });

  it('lists every bad value at once, so the file is fixed in one pass', () => {
    const err = failure(() => parseOxdConfig('[oxd]\nport = abc\ntimeout_ms = 0\ninsecure_skip_tls_verify = maybe', FILE));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toBe(
      `${FILE}: 3 problems in the oxd config file:\n` +
        '  [oxd] port: "abc" is not a port number (1-65535)\n' +
        '  [oxd] timeout_ms: "0" is not a positive number of milliseconds\n' +
        '  [oxd] insecure_skip_tls_verify: "maybe" is not true or false',
    );
    expect(err.details).toHaveLength(3);
  });

  it('returns a frozen config', () => {
    const config = parseOxdConfig('[oxd]\nport = 8099\n[client]\nscope = openid, uma_protection', FILE);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.client.scalars)).toBe(true);
    expect(Object.isFrozen(config.client.lists.scope)).toBe(true);
  });

  it.each([
    { text: '[oxd]\nport = 1\nPort = 2', message: `${FILE}:3: [oxd] port appears twice` },
    { text: '[oxd]\n[client]\n[oxd]', message: `${FILE}:3: section [oxd] appears twice` },
    { text: 'host = x\n[oxd]', message: `${FILE}:1: entry before any [section] header` },
    { text: '[oxd]\nhost = a\n  b', message: `${FILE}:3: indented line: continuation lines are not supported, put the value on one line` },
    { text: '[oxd]\njust words', message: `${FILE}:2: expected "[section]" or "key = value"` },
  ])('syntax: $message', ({ text, message }) => {
    const err = failure(() => parseOxdConfig(text, FILE));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toBe(message);
  });

  it('a missing file is config_invalid naming it', async () => {
    const path = join(tmpdir(), 'umagate-no-such-dir', 'umagate.cfg');
    await expect(OxdConfigFile.load(path)).rejects.toMatchObject({ code: 'config_invalid', message: `${path}: cannot read the oxd config file (ENOENT)` });
  });
});

describe('commands that need config values', () => {
  it('registerSite without authorization_redirect_uri fails before calling oxd', async () => {
    const dev = await session.startDev(REST_ONLY);
    const dir = await mkdtemp(join(tmpdir(), 'umagate-oxd-'));
    const ini = join(dir, 'umagate.cfg');
    await writeFile(ini, `[oxd]\nprotocol = rest\nhost = ${dev.restUrl ?? ''}\n[client]\nop_host = ${dev.opHost}\n`);
    const client = await session.openClient(ini);
    await expect(client.registerSite()).rejects.toMatchObject({
      code: 'config_invalid',
      message: `${ini}: [client] authorization_redirect_uri is required for register_site`,
    });
    expect(dev.calls).toHaveLength(0);
  });

  it('a command needing the oxd id fails before calling oxd when none is stored', async () => {
    const dev = await session.startDev(REST_ONLY);
    const ini = await writeDevIni(dev, 'rest');
    const client = await session.openClient(ini);
    await expect(client.umaRsCheckAccess(null, '/p', 'GET')).rejects.toMatchObject({
      code: 'config_invalid',
      message: `${ini}: [oxd] id is empty; run register-site (or setup-client) first`,
    });
    expect(dev.calls).toHaveLength(0);
  });
});

describe('config_not_writable', () => {
  it('a read-only file refuses registration before oxd registers anything', async () => {
    const dev = await session.startDev(REST_ONLY);
    const ini = await writeDevIni(dev, 'rest');
    await chmod(ini, 0o444);
    const client = await session.openClient(ini);
    await expect(client.setupClient()).rejects.toMatchObject({ code: 'config_not_writable', message: `${ini} is not writable` });
    expect(dev.calls).toHaveLength(0);
  });

  it('a read-only file is fine while nothing needs writing', async () => {
    const dev = await session.startDev(REST_ONLY);
    const ini = await writeDevIni(dev, 'rest', { oxd: 'id = already-registered\n' });
    await chmod(ini, 0o444);
    const before = await readFile(ini, 'utf8');
    const client = await session.openClient(ini);
    expect(await client.registerSite()).toEqual({ oxd_id: 'already-registered' });
    const file = await OxdConfigFile.load(ini);
    await file.update({ oxd: { id: 'already-registered' } });
    expect(await readFile(ini, 'utf8')).toBe(before);
  });

  it('a protection token that cannot be written back is kept in memory with a warning', async () => {
    const dev = await session.startDev(REST_ONLY);
    const ini = await writeDevIni(dev, 'rest');
    const setup = await OxdClient.fromConfigFile(ini);
    await setup.setupClient();
    await setup.close();
    await chmod(ini, 0o444);
    const warnings: string[] = [];
    const client = await session.openClient(ini, {
      logger: { warn: (_o, msg) => warnings.push(msg ?? ''), info: () => undefined, debug: () => undefined },
    });
    expect(await client.introspectRpt('x')).toMatchObject({ active: false });
    expect(warnings).toEqual(['protection token kept in memory only: the oxd config file is not writable']);
    expect(await readFile(ini, 'utf8')).not.toContain('protection_access_token');
  });

  it('updating a read-only file names the path and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'umagate-oxd-'));
    const ini = join(dir, 'umagate.cfg');
    await writeFile(ini, '[oxd]\nid = a\n');
    await chmod(ini, 0o400);
    const file = await OxdConfigFile.load(ini);
    await expect(file.update({ oxd: { id: 'b' } })).rejects.toMatchObject({ code: 'config_not_writable', message: `${ini} is not writable` });
    expect(await readdir(dir)).toEqual(['umagate.cfg']);
  });
});
