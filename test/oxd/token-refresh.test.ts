import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { DevOxd, DevOxdOptions } from '../../src/devoxd/index.js';
import { OxdClient } from '../../src/oxd/client.js';
import { OxdError } from '../../src/oxd/errors.js';
import { REFRESH_SKEW_MS, refreshTime } from '../../src/common/token-holder.js';
import type { OxdProtocol } from '../../src/oxd/types.js';
import { writeDevIni } from '../fixtures/oxd/dev-ini.js';
import { devOxdSession } from './harness.js';

const LIFETIME_S = 3600;

/** One clock shared by the dev oxd and the client, moved by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = Date.UTC(2030, 0, 1);
  return { now: () => t, advance: (ms) => (t += ms) };
}

const session = devOxdSession();

async function setUp(protocol: OxdProtocol, options: DevOxdOptions = {}): Promise<{ dev: DevOxd; client: OxdClient; ini: string; clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock();
  const dev = await session.startDev({ socketPort: 0, restPort: 0, httpsExtensionPort: 0, now: clock.now, tokenLifetimeSeconds: LIFETIME_S, ...options });
  const ini = await writeDevIni(dev, protocol);
  const client = await session.openClient(ini, { now: clock.now });
  await client.setupClient();
  return { dev, client, ini, clock };
}

describe('refreshTime', () => {
  it.each([
    { lifetime: 3600, early: REFRESH_SKEW_MS, why: 'long-lived tokens are refreshed the fixed skew early' },
    { lifetime: 60, early: 6000, why: 'short-lived tokens are refreshed a tenth of their lifetime early' },
  ])('$why', ({ lifetime, early }) => {
    expect(refreshTime(1_000_000, lifetime)).toBe(1_000_000 + lifetime * 1000 - early);
  });
});

describe('protection token', () => {
  it('is obtained once and reused until shortly before it expires', async () => {
    const { dev, client, clock } = await setUp('rest');
    await client.introspectRpt('x');
    await client.introspectRpt('x');
    expect(dev.count('get_client_token')).toBe(1);
    clock.advance(LIFETIME_S * 1000 - REFRESH_SKEW_MS - 1);
    await client.introspectRpt('x');
    expect(dev.count('get_client_token')).toBe(1);
    clock.advance(1);
    await client.introspectRpt('x');
    expect(dev.count('get_client_token')).toBe(2);
  });

  it('is refreshed by exactly one get_client_token when 50 calls need it at once', async () => {
    const { dev, client, clock } = await setUp('rest');
    await client.getClientToken();
    clock.advance(LIFETIME_S * 1000);
    const results = await Promise.all(Array.from({ length: 50 }, () => client.introspectRpt('x')));
    expect(results.every((r) => !r.active)).toBe(true);
    expect(dev.count('get_client_token')).toBe(2);
  });

  it('is written back to the ini whenever a new one is obtained', async () => {
    const { client, ini, clock } = await setUp('rest');
    const first = await client.getClientToken();
    expect(await readFile(ini, 'utf8')).toContain(`protection_access_token = ${first.access_token}`);
    clock.advance(LIFETIME_S * 1000);
    await client.introspectRpt('x');
    const text = await readFile(ini, 'utf8');
    expect(text).toMatch(/protection_access_token = \S+/);
    expect(text).not.toContain(first.access_token);
  });

  it.each(['rest', 'https-extension'] as const)('over %s, a token oxd rejects is replaced and the call retried once', async (protocol) => {
    const { dev, client } = await setUp(protocol, { protectCommands: { httpsExtension: true } });
    await client.getClientToken();
    dev.expireTokens();
    expect(await client.introspectRpt('x')).toMatchObject({ active: false });
    expect(dev.count('get_client_token')).toBe(2);
    expect(dev.count('introspect_rpt')).toBe(2);
  });

  it('surfaces the second rejection instead of retrying again', async () => {
    const { dev, client } = await setUp('rest');
    await client.getClientToken();
    dev.faults.add({ command: 'introspect_rpt', fault: { kind: 'error', code: 'invalid_access_token', status: 403 }, times: 2 });
    const err: unknown = await client.introspectRpt('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OxdError);
    expect((err as OxdError).code).toBe('invalid_access_token');
    expect(dev.count('get_client_token')).toBe(2);
    expect(dev.count('introspect_rpt')).toBe(2);
  });

  it('is not retried for errors that are not about the token', async () => {
    const { dev, client } = await setUp('rest');
    dev.faults.add({ command: 'introspect_rpt', fault: { kind: 'error', code: 'internal_error', status: 500 }, times: 1 });
    const err: unknown = await client.introspectRpt('x').catch((e: unknown) => e);
    expect((err as OxdError).code).toBe('internal_error');
    expect(dev.count('introspect_rpt')).toBe(1);
  });

  it('is sent on the socket only once held, and obtained when oxd protects its commands', async () => {
    const { dev, client } = await setUp('socket', { protectCommands: { socket: true } });
    expect(await client.introspectRpt('x')).toMatchObject({ active: false });
    const calls = dev.calls.filter((c) => c.command === 'introspect_rpt');
    expect(calls.map((c) => typeof c.params['protection_access_token'])).toEqual(['undefined', 'string']);
    expect(dev.count('get_client_token')).toBe(1);
  });

  it('is not obtained on the socket while oxd does not ask for it', async () => {
    const { dev, client } = await setUp('socket');
    await client.introspectRpt('x');
    expect(dev.count('get_client_token')).toBe(0);
  });

  it('stored in the ini is used first and replaced once oxd rejects it', async () => {
    const clock = manualClock();
    const dev = await session.startDev({ restPort: 0, socketPort: null, now: clock.now });
    const setup = await writeDevIni(dev, 'rest');
    const first = await OxdClient.fromConfigFile(setup, { now: clock.now });
    await first.setupClient();
    const stale = (await first.getClientToken()).access_token;
    await first.close();
    dev.expireTokens();
    const client = await session.openClient(setup, { now: clock.now });
    await client.introspectRpt('x');
    const sent = dev.calls.filter((c) => c.command === 'introspect_rpt').length;
    expect(sent).toBe(2);
    expect(dev.count('get_client_token')).toBe(2);
    expect(await readFile(setup, 'utf8')).not.toContain(stale);
  });

  it('cannot be obtained without client credentials', async () => {
    const dev = await session.startDev({ restPort: 0, socketPort: null });
    const ini = await writeDevIni(dev, 'rest', { oxd: 'id = some-site\n' });
    const client = await session.openClient(ini);
    const err: unknown = await client.introspectRpt('x').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'config_invalid', message: expect.stringContaining('client_id and client_secret') as unknown });
    expect(dev.calls).toHaveLength(0);
  });
});
