import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDevOxd, type DevOxd } from '../../src/devoxd/index.js';
import { OxdClient } from '../../src/oxd/client.js';
import type { OxdProtocol, TokensByCodeResult, UmaResource } from '../../src/oxd/types.js';
import { signIn } from '../helpers/dev-as-pages.js';
import { ALL_LISTENERS, PROTOCOLS, writeDevIni } from '../fixtures/oxd/dev-ini.js';
import { rejection } from './harness.js';

const PHOTO: readonly UmaResource[] = [{ path: '/photo', conditions: [{ httpMethods: ['GET'], scopes: ['view'] }] }];

interface Ctx {
  readonly protocol: OxdProtocol;
  readonly dev: DevOxd;
  readonly ini: string;
  /** A client that has already run setupClient. */
  readonly client: OxdClient;
}

async function iniValue(path: string, section: string, key: string): Promise<string | undefined> {
  let current = '';
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1] !== undefined) current = header[1];
    const entry = /^(\w+)\s*=\s*(.*)$/.exec(line);
    if (current === section && entry?.[1] === key) return entry[2];
  }
  return undefined;
}

async function ticketFor(client: OxdClient): Promise<string> {
  await client.umaRsProtect(PHOTO);
  const denied = await client.umaRsCheckAccess(null, '/photo', 'GET');
  if (denied.access !== 'denied' || denied.ticket === null) throw new Error('expected a ticket');
  return denied.ticket;
}

/** Signs alice in on the dev AS's login page and trades the code for her tokens. */
async function signedIn(client: OxdClient): Promise<TokensByCodeResult> {
  const back = await signIn(await client.getAuthorizationUrl(), { username: 'alice' });
  return client.getTokensByCode(back.searchParams.get('code') ?? '', back.searchParams.get('state') ?? '');
}

async function rptFor(client: OxdClient): Promise<string> {
  const result = await client.umaRpGetRpt(await ticketFor(client));
  if ('error' in result) throw new Error('expected an RPT');
  return result.access_token;
}

const COMMANDS: readonly { readonly name: string; readonly run: (ctx: Ctx) => Promise<void> }[] = [
  {
    name: 'setupClient registers and writes back id and credentials',
    run: async ({ protocol, dev, ini }) => {
      const fresh = await OxdClient.fromConfigFile(ini);
      try {
        const result = await fresh.setupClient();
        expect(result.oxd_id).toMatch(/.+/);
        expect(fresh.oxdId).toBe(result.oxd_id);
        expect(await iniValue(ini, 'oxd', 'id')).toBe(result.oxd_id);
        expect(await iniValue(ini, 'client', 'client_id')).toBe(result.client_id);
        expect(await iniValue(ini, 'client', 'client_secret')).toBe(result.client_secret);
        expect(await iniValue(ini, 'client', 'client_id_issued_at')).toBe(String(result.client_id_issued_at));
        // oxd 4.x has no setup_client: register_site returns the credentials there.
        expect(dev.count('setup_client')).toBe(protocol === 'rest' ? 0 : 2);
      } finally {
        await fresh.close();
      }
    },
  },
  {
    name: 'getClientToken returns the token with scopes as a list and writes it back',
    run: async ({ client, ini }) => {
      const token = await client.getClientToken();
      expect(token.scope).toEqual(expect.arrayContaining(['openid', 'oxd']));
      expect(token.expires_in).toBeGreaterThan(0);
      expect(await iniValue(ini, 'client', 'protection_access_token')).toBe(token.access_token);
    },
  },
  {
    name: 'introspectAccessToken reports an active token',
    run: async ({ client }) => {
      const token = await client.getClientToken();
      const result = await client.introspectAccessToken(token.access_token);
      expect(result.active).toBe(true);
      expect(result.scope).toEqual(expect.arrayContaining(['oxd']));
    },
  },
  {
    name: 'registerSite keeps a stored oxd id unless forced',
    run: async ({ client, dev, ini }) => {
      const stored = client.oxdId;
      const before = dev.count('register_site');
      expect(await client.registerSite()).toEqual({ oxd_id: stored });
      expect(dev.count('register_site')).toBe(before);
      const forced = await client.registerSite({ force: true });
      expect(forced.oxd_id).not.toBe(stored);
      expect(await iniValue(ini, 'oxd', 'id')).toBe(forced.oxd_id);
    },
  },
  {
    name: 'updateSiteRegistration answers the oxd id',
    run: async ({ client }) => {
      expect(await client.updateSiteRegistration({ clientSecretExpiresAt: 4102444800 })).toEqual({ oxd_id: client.oxdId });
    },
  },
  {
    name: 'removeSite answers the oxd id and clears it in the ini',
    run: async ({ client, ini }) => {
      const oxdId = client.oxdId;
      expect(await client.removeSite()).toBe(oxdId);
      expect(client.oxdId).toBeNull();
      expect(await iniValue(ini, 'oxd', 'id')).toBe('');
    },
  },
  {
    name: 'getAuthorizationUrl answers the URL of the dev AS login page',
    run: async ({ client, dev }) => {
      const url = await client.getAuthorizationUrl({ scope: ['openid'], acrValues: ['basic'], customParams: { k: 'v' } });
      expect(url.startsWith(`${dev.opHost}/oxauth/restv1/authorize?`)).toBe(true);
      expect(new URL(url).searchParams.get('k')).toBe('v');
      expect(new URL(url).searchParams.get('redirect_uri')).toBe('https://client.example.org/callback');
    },
  },
  {
    name: 'getTokensByCode exchanges the code the login page sent back',
    run: async ({ client, protocol }) => {
      const tokens = await signedIn(client);
      expect(tokens.id_token).toMatch(/\./);
      expect(tokens.id_token_claims['sub']).toEqual(protocol === 'rest' ? 'alice' : ['alice']);
    },
  },
  {
    name: 'getAccessTokenByRefreshToken refreshes',
    run: async ({ client }) => {
      const tokens = await signedIn(client);
      const refreshed = await client.getAccessTokenByRefreshToken(tokens.refresh_token ?? '', { scope: ['openid'] });
      expect(refreshed.access_token).not.toBe(tokens.access_token);
      expect(refreshed.scope).toEqual(['openid']);
    },
  },
  {
    // oxd 4.x answers the userinfo JSON as it is; 3.x wraps lists of strings in `claims`.
    name: "getUserInfo answers the signed-in user's claims as the protocol delivers them",
    run: async ({ client, protocol }) => {
      const tokens = await signedIn(client);
      const claims = await client.getUserInfo(tokens.access_token);
      const userinfo = { sub: 'alice', name: 'Alice Liddell', preferred_username: 'alice', email: 'alice@example.org', email_verified: true };
      expect(claims).toEqual(protocol === 'rest' ? userinfo : Object.fromEntries(Object.entries(userinfo).map(([k, v]) => [k, [String(v)]])));
    },
  },
  {
    name: 'getLogoutUri answers the URI',
    run: async ({ client, dev }) => {
      const uri = await client.getLogoutUri({ state: 's', postLogoutRedirectUri: 'https://client.example.org/bye' });
      expect(uri).toBe(`${dev.opHost}/oxauth/restv1/end_session?post_logout_redirect_uri=${encodeURIComponent('https://client.example.org/bye')}&state=s`);
    },
  },
  {
    name: 'umaRsProtect registers, refuses a second set, and replaces it with overwrite',
    run: async ({ client }) => {
      expect(await client.umaRsProtect(PHOTO)).toEqual({ oxd_id: client.oxdId });
      expect((await rejection(client.umaRsProtect(PHOTO))).code).toBe('uma_protection_exists');
      expect(await client.umaRsProtect(PHOTO, { overwrite: true })).toEqual({ oxd_id: client.oxdId });
    },
  },
  {
    name: 'umaRsCheckAccess denies with a ticket, grants with an RPT, and reports an unprotected path',
    run: async ({ client, dev }) => {
      const rpt = await rptFor(client);
      const denied = await client.umaRsCheckAccess('', '/photo', 'GET');
      expect(denied).toMatchObject({ access: 'denied', ticket: expect.any(String) as unknown });
      if (denied.access === 'denied') expect(denied.wwwAuthenticate).toBe(`UMA realm="rs",as_uri="${dev.opHost}",error="insufficient_scope",ticket="${denied.ticket ?? ''}"`);
      expect(await client.umaRsCheckAccess(rpt, '/photo', 'GET')).toEqual({ access: 'granted' });
      expect((await rejection(client.umaRsCheckAccess(rpt, '/nothing', 'GET'))).code).toBe('invalid_request');
    },
  },
  {
    name: 'introspectRpt reports the permissions',
    run: async ({ client }) => {
      const result = await client.introspectRpt(await rptFor(client));
      expect(result.active).toBe(true);
      expect(result.permissions?.[0]?.resource_scopes).toEqual(['view']);
      expect(await client.introspectRpt('unknown')).toMatchObject({ active: false });
    },
  },
  {
    name: 'umaRpGetRpt turns a ticket into an RPT',
    run: async ({ client }) => {
      const result = await client.umaRpGetRpt(await ticketFor(client));
      expect(result).toMatchObject({ access_token: expect.any(String) as unknown, token_type: 'Bearer' });
    },
  },
  {
    name: 'umaRpGetClaimsGatheringUrl answers the URL',
    run: async ({ client }) => {
      expect(await client.umaRpGetClaimsGatheringUrl(await ticketFor(client))).toMatch(/claims_redirect_uri=/);
    },
  },
  {
    name: 'getRp answers the registered site where the protocol has get_rp',
    run: async ({ client, protocol }) => {
      if (protocol === 'https-extension') {
        expect((await rejection(client.getRp())).code).toBe('unsupported_operation');
        return;
      }
      await client.umaRsProtect(PHOTO);
      const rp = await client.getRp();
      expect(rp.node).toMatchObject({ oxd_id: client.oxdId });
    },
  },
];

describe.each(PROTOCOLS)('OxdClient over %s', (protocol) => {
  let dev: DevOxd;
  let ini: string;
  let client: OxdClient;

  beforeEach(async () => {
    dev = await startDevOxd(ALL_LISTENERS);
    ini = await writeDevIni(dev, protocol);
    client = await OxdClient.fromConfigFile(ini);
    await client.setupClient();
  });

  afterEach(async () => {
    await client.close();
    await dev.close();
  });

  it.each(COMMANDS)('$name', async ({ run }) => {
    await run({ protocol, dev, ini, client });
  });
});

describe('getUserInfo over oxd 4.x REST', () => {
  let dev: DevOxd;
  let client: OxdClient;

  beforeEach(async () => {
    dev = await startDevOxd(ALL_LISTENERS);
    client = await OxdClient.fromConfigFile(await writeDevIni(dev, 'rest'));
    await client.setupClient();
  });

  afterEach(async () => {
    await client.close();
    await dev.close();
  });

  it('returns the userinfo JSON unchanged, whatever claims it holds', async () => {
    const userinfo = { sub: 'u-1', email_verified: false, address: { country: 'NZ' }, groups: ['a', 'b'] };
    dev.faults.add({ command: 'get_user_info', fault: { kind: 'answer', data: userinfo }, times: 1 });
    expect(await client.getUserInfo('token')).toEqual(userinfo);
  });

  it("refuses a 3.x-shaped answer, which has no subject, as oxd_bad_response", async () => {
    dev.faults.add({ command: 'get_user_info', fault: { kind: 'answer', data: { claims: { sub: ['u-1'] } } }, times: 1 });
    expect((await rejection(client.getUserInfo('token'))).code).toBe('oxd_bad_response');
  });
});
