/**
 * examples/uma-client, run as its README says: against `umagate dev` demanding a claim, the
 * script meets need_info, prints the claims-gathering URL, gets the new ticket back through its
 * claims redirect listener, and ends with the backend's 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherClaims, getPage } from '../helpers/dev-as-pages.js';
import { checkSetup, readmeCommands, runCommand, startSandbox, stop, type Sandbox } from './harness.js';

const DEMAND = ['--demand-claim', 'http://photoz.example.com/dev/actions/all=email'];

describe('examples/uma-client', () => {
  let sandbox: Sandbox;
  let commands: string[];

  beforeAll(async () => {
    commands = await readmeCommands('uma-client');
    checkSetup(commands[0]);
    expect(commands.length, 'README commands the test does not run').toBe(3);
    const dev = commands[1] ?? '';
    expect(dev.endsWith(` ${DEMAND.join(' ')}`), dev).toBe(true);
    sandbox = await startSandbox(dev.slice(0, -DEMAND.join(' ').length - 1), DEMAND);
  }, 90_000);

  afterAll(async () => {
    await sandbox.close();
  });

  it('meets need_info, gathers the claim, and gets the backend answer with the RPT', async () => {
    const command = (commands[2] ?? '').replace('http://127.0.0.1:8080', sandbox.proxyUrl);
    const script = runCommand(command, { OXD_URL: sandbox.oxdUrl });
    try {
      const out = await script.waitForStdout(/Open this URL in a browser:\n {2}(\S+)/, 30_000);
      const url = /Open this URL in a browser:\n {2}(\S+)/.exec(out)?.[1] ?? '';
      expect(url.startsWith(`${sandbox.oxdUrl}oxauth/restv1/uma/gather_claims?`)).toBe(true);
      const back = await gatherClaims(url, { email: 'alice@example.org' });
      // The browser follows the AS's redirect to the script's claims listener.
      expect((await getPage(back.href)).html).toContain('the script carries on');
      expect(await script.exited()).toBe(0);
      expect(script.stdout()).toContain('→ 200 (with the RPT)');
      expect(script.stdout()).toContain('"method": "POST"');
    } finally {
      await stop(script);
    }
  });

  it('without claims demanded for GET, trades the ticket at once', async () => {
    const script = runCommand('node examples/uma-client/client.js GET ' + `${sandbox.proxyUrl}/photo`, { OXD_URL: sandbox.oxdUrl });
    expect(await script.exited()).toBe(0);
    expect(script.stdout()).not.toContain('needs more information');
    expect(script.stdout()).toContain('GET ' + `${sandbox.proxyUrl}/photo → 200 (with the RPT)`);
  });
});
