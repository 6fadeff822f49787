/**
 * examples/resource-server, run as its README says: the service registers its resources with the
 * dev oxd, answers 401 with oxd's header and a ticket, and serves the uma-client example's RPT.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedProcess } from '../helpers/child-process.js';
import { checkSetup, printedUrl, readmeCommands, runCommand, startSandbox, stop, type Sandbox } from './harness.js';

const README_URL = 'http://127.0.0.1:8000/';

describe('examples/resource-server', () => {
  let sandbox: Sandbox;
  let service: LoggedProcess;
  let serviceUrl: string;
  let commands: string[];

  beforeAll(async () => {
    commands = await readmeCommands('resource-server');
    checkSetup(commands[0]);
    expect(commands.slice(2)).toEqual([
      'node examples/resource-server/server.js',
      `curl -i ${README_URL}notes`,
      `node examples/uma-client/client.js GET ${README_URL}notes`,
    ]);
    sandbox = await startSandbox(commands[1] ?? '');
    service = runCommand(commands[2] ?? '', { OXD_URL: sandbox.oxdUrl, PORT: '0' });
    serviceUrl = await printedUrl(service);
  }, 90_000);

  afterAll(async () => {
    await stop(service);
    await sandbox.close();
  });

  it('answers a request without an RPT with 401, the dev oxd header and the ticket', async () => {
    const res = await request(`${serviceUrl}notes`);
    const body = (await res.body.json()) as Record<string, unknown>;
    expect(res.statusCode).toBe(401);
    expect(body).toMatchObject({ code: 'uma_ticket' });
    expect(res.headers['www-authenticate']).toBe(
      `UMA realm="rs",as_uri="${sandbox.oxdUrl.slice(0, -1)}",error="insufficient_scope",ticket="${String(body['ticket'])}"`,
    );
    expect((await request(`${serviceUrl}health`)).statusCode).toBe(200);
  });

  it("the README's curl shows the 401 and its UMA challenge", async () => {
    const curl = runCommand((commands[3] ?? '').replace(README_URL, serviceUrl));
    expect(await curl.exited()).toBe(0);
    expect(curl.stdout()).toMatch(/^HTTP\/1\.1 401 Unauthorized/);
    expect(curl.stdout()).toMatch(/^www-authenticate: UMA realm="rs",/m);
  });

  it("serves the uma-client example's RPT", async () => {
    const client = runCommand((commands[4] ?? '').replace(README_URL, serviceUrl), { OXD_URL: sandbox.oxdUrl });
    expect(await client.exited()).toBe(0);
    expect(client.stdout()).toContain('→ 200 (with the RPT)');
    expect(client.stdout()).toContain('{"notes":["Buy milk"]}');
  });
});
