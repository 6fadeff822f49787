import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseOxdConfig } from '../../src/oxd/config.js';
import { DEV_INI_PATH, DEV_REDIRECT_URI, devIniText, writeDevIni } from '../../src/sandbox/dev-ini.js';

const settings = {
  oxdRestUrl: 'http://127.0.0.1:8553/',
  opHost: 'https://dev-as.umagate.invalid',
};

describe('the dev ini', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('is read by the oxd client as REST on the dev oxd, with no oxd id yet', async () => {
    dir = await mkdtemp(join(tmpdir(), 'umagate-dev-ini-'));
    const path = join(dir, DEV_INI_PATH);
    await writeDevIni(path, settings);
    const config = parseOxdConfig(await readFile(path, 'utf8'), path);
    expect(config.protocol).toBe('rest');
    expect(config.baseUrl).toBe('http://127.0.0.1:8553/');
    expect(config.oxdId).toBeNull();
    expect(config.client.scalars.op_host).toBe(settings.opHost);
    expect(config.client.scalars.authorization_redirect_uri).toBe(DEV_REDIRECT_URI);
    expect(config.client.lists.scope).toEqual(['openid', 'uma_protection']);
  });

  it.each(['https://as.example/a;b', 'https://as.example/#frag', 'https://as.example/?a=b&c=d', 'https://as.example/x=;#y'])(
    'reads back an issuer holding ;, # or = unchanged: %s',
    (opHost) => {
      const text = devIniText({ ...settings, opHost });
      expect(parseOxdConfig(text, DEV_INI_PATH).client.scalars.op_host).toBe(opHost);
    },
  );

  it('is readable by its owner only, since client credentials are written back into it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'umagate-dev-ini-'));
    const path = join(dir, DEV_INI_PATH);
    await writeDevIni(path, settings);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
