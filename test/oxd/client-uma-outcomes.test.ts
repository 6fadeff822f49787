import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startDevOxd, type DevOxd } from '../../src/devoxd/index.js';
import { OxdClient } from '../../src/oxd/client.js';
import { OxdError } from '../../src/oxd/errors.js';
import { gatherClaims } from '../helpers/dev-as-pages.js';
import { closeServer, listenOn } from '../helpers/listen.js';
import { ALL_LISTENERS, PROTOCOLS, writeDevIni } from '../fixtures/oxd/dev-ini.js';

let dev: DevOxd | undefined;
let client: OxdClient | undefined;
let server: Server | undefined;

afterEach(async () => {
  await client?.close();
  await dev?.close();
  if (server !== undefined) await closeServer(server);
  client = undefined;
  dev = undefined;
  server = undefined;
});

describe.each(PROTOCOLS)('need_info over %s', (protocol) => {
  async function setUp(): Promise<OxdClient> {
    dev = await startDevOxd(ALL_LISTENERS);
    client = await OxdClient.fromConfigFile(await writeDevIni(dev, protocol));
    await client.setupClient();
    return client;
  }

  it('is a typed result of umaRpGetRpt, not a throw', async () => {
    const c = await setUp();
    await c.umaRsProtect([{ path: '/secret', conditions: [{ httpMethods: ['GET'], scopes: ['read#need_info'] }] }]);
    const denied = await c.umaRsCheckAccess(null, '/secret', 'GET');
    if (denied.access !== 'denied' || denied.ticket === null) throw new Error('expected a ticket');
    const result = await c.umaRpGetRpt(denied.ticket);
    expect(result).toEqual({
      error: 'need_info',
      ticket: expect.any(String) as unknown,
      required_claims: [expect.objectContaining({ name: 'email' }) as unknown],
      redirect_user: `${dev?.opHost ?? ''}/oxauth/restv1/uma/gather_claims`,
    });
  });

  it('is cured by the claims-gathering page: its new ticket gets the RPT', async () => {
    const c = await setUp();
    await c.umaRsProtect([{ path: '/secret', conditions: [{ httpMethods: ['GET'], scopes: ['read#need_info'] }] }]);
    const denied = await c.umaRsCheckAccess(null, '/secret', 'GET');
    if (denied.access !== 'denied' || denied.ticket === null) throw new Error('expected a ticket');
    const url = await c.umaRpGetClaimsGatheringUrl(denied.ticket);
    const back = await gatherClaims(url, { email: 'alice@example.org' });
    expect(`${back.origin}${back.pathname}`).toBe('https://client.example.org/claims');
    const result = await c.umaRpGetRpt(back.searchParams.get('ticket') ?? '');
    if ('error' in result) throw new Error('expected an RPT');
    expect(await c.umaRsCheckAccess(result.access_token, '/secret', 'GET')).toEqual({ access: 'granted' });
  });

  it('without its ticket and claims is a bad response', async () => {
    const c = await setUp();
    dev?.faults.add({ command: 'uma_rp_get_rpt', fault: { kind: 'error', code: 'need_info', status: 403 } });
    const err: unknown = await c.umaRpGetRpt('some-ticket').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OxdError);
    expect((err as OxdError).code).toBe('oxd_bad_response');
  });
});

/** A REST oxd that answers uma_rs_check_access with a fixed body. */
async function scriptedCheckAccess(body: unknown): Promise<OxdClient> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = req.url === '/get-client-token' ? { access_token: 't', expires_in: 3600, scope: ['oxd'] } : body;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  const port = await listenOn(server);
  client = new OxdClient({
    protocol: 'rest',
    baseUrl: `http://127.0.0.1:${port}/`,
    oxdId: 'site',
    client: { clientId: 'c', clientSecret: 's', opHost: 'https://op.example.org' },
  });
  return client;
}

describe('umaRsCheckAccess answers', () => {
  it.each([
    { answer: { access: 'granted' }, expected: { access: 'granted' } },
    { answer: { access: 'granted', ticket: null, 'www-authenticate_header': null }, expected: { access: 'granted' } },
    {
      answer: { access: 'denied', ticket: 'tk', 'www-authenticate_header': 'UMA realm="rs",ticket="tk"' },
      expected: { access: 'denied', ticket: 'tk', wwwAuthenticate: 'UMA realm="rs",ticket="tk"' },
    },
    { answer: { access: 'denied' }, expected: { access: 'denied', ticket: null, wwwAuthenticate: null } },
    { answer: { access: 'denied', ticket: null, 'www-authenticate_header': null }, expected: { access: 'denied', ticket: null, wwwAuthenticate: null } },
  ])('maps $answer', async ({ answer, expected }) => {
    const c = await scriptedCheckAccess(answer);
    expect(await c.umaRsCheckAccess('rpt', '/p', 'GET')).toEqual(expected);
  });

  it.each([
    { answer: { access: 'maybe' }, why: 'an unknown access value' },
    { answer: { access: 'denied', ticket: 'tk' }, why: 'a ticket without its header' },
    { answer: { access: 'denied', 'www-authenticate_header': 'UMA' }, why: 'a header without its ticket' },
    { answer: { access: 'denied', ticket: 7, 'www-authenticate_header': 'UMA' }, why: 'a ticket that is not a string' },
    { answer: ['granted'], why: 'a body that is not an object' },
  ])('rejects $why as oxd_bad_response', async ({ answer }) => {
    const c = await scriptedCheckAccess(answer);
    const err: unknown = await c.umaRsCheckAccess('rpt', '/p', 'GET').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'oxd_bad_response', command: 'uma_rs_check_access' });
  });
});
