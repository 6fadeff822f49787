/**
 * `umagate dev` end to end, the way a newcomer meets it: start it, paste the printed commands
 * into a shell in the same directory, and get 401 with a ticket, then an RPT, then 200 from the
 * echo backend; then make the live edit the walkthrough suggests, and stop it with SIGTERM.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseDocument, type YAMLSeq } from 'yaml';
import { ECHO_BACKEND_NAME, type EchoReply } from '../../src/sandbox/echo-backend.js';
import { LIVE_EDIT_HEADING, WALKTHROUGH_HEADING } from '../../src/sandbox/walkthrough.js';
import { closeServer, listenOn } from '../helpers/listen.js';
import { spawnDev } from './dev-process.js';

const REPO_POLICY = fileURLToPath(new URL('../../policies.yaml', import.meta.url));
const ALL_PORTS_FREE = ['--port', '0', '--admin-port', '0', '--oxd-port', '0', '--oxd-socket-port', '0'];
const END_OF_WALKTHROUGH = 'Stop with Ctrl-C.';
const run = promisify(execFile);

async function sandboxDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'umagate-dev-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await copyFile(REPO_POLICY, join(dir, 'policies.yaml'));
  return dir;
}

/** The walkthrough's commands: lines indented by exactly four spaces, between its two headings. */
function walkthroughCommands(stdout: string): string[] {
  const start = stdout.indexOf(`${WALKTHROUGH_HEADING} (`);
  const end = stdout.indexOf(LIVE_EDIT_HEADING);
  expect(start).toBeGreaterThan(-1);
  return stdout
    .slice(start, end)
    .split('\n')
    .filter((line) => /^ {4}\S/.test(line))
    .map((line) => line.slice(4));
}

/** Runs the commands in order in one bash, as pasted, and returns what each one printed. */
async function pasteIntoShell(commands: readonly string[], cwd: string): Promise<string[]> {
  const marker = '@@umagate-walkthrough-step@@';
  const script = commands.map((command) => `${command}\necho '${marker}'`).join('\n');
  const { stdout } = await run('bash', ['-c', script], { cwd, timeout: 30_000 });
  return stdout.split(`${marker}\n`).slice(0, commands.length);
}

function statusOf(curlOutput: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(curlOutput)?.[1]);
}

function bodyOf(curlOutput: string): unknown {
  return JSON.parse(curlOutput.slice(curlOutput.indexOf('\r\n\r\n') + 4));
}

describe('umagate dev', () => {
  it('prints a walkthrough whose pasted commands get 401 with a ticket, an RPT, then 200', { timeout: 90_000 }, async () => {
    const dir = await sandboxDir();
    const dev = spawnDev(ALL_PORTS_FREE, dir);
    onTestFinished(() => {
      dev.kill();
    });
    const stdout = await dev.waitForStdout(END_OF_WALKTHROUGH, 45_000);
    expect(stdout).toMatch(/not for production/i);

    const commands = walkthroughCommands(stdout);
    const outputs = await pasteIntoShell(commands, dir);
    const step = (pattern: RegExp): string => {
      const index = commands.findIndex((c) => pattern.test(c));
      expect(index, `no printed command matches ${String(pattern)}`).toBeGreaterThan(-1);
      return outputs[index] ?? '';
    };

    const denied = step(/^curl -i http\S+\/photo$/);
    expect(statusOf(denied)).toBe(401);
    expect(denied).toMatch(/^www-authenticate: UMA .*ticket="[^"]+"/im);

    const rpt = JSON.parse(step(/uma-rp-get-rpt/)) as { access_token?: unknown };
    expect(rpt.access_token).toEqual(expect.any(String));

    const granted = step(/Authorization: Bearer \$RPT/);
    expect(statusOf(granted)).toBe(200);
    expect(bodyOf(granted)).toMatchObject({ backend: ECHO_BACKEND_NAME, method: 'GET', url: '/photo' } satisfies Partial<EchoReply>);

    expect(statusOf(step(/^curl -i \S+\/health$/))).toBe(200);
  });

  it('--authz uma2: the pasted commands trade the ticket with plain curl (the UMA grant), then get 200', { timeout: 90_000 }, async () => {
    const dir = await sandboxDir();
    const dev = spawnDev(['--authz', 'uma2', '--as-port', '0', '--port', '0', '--admin-port', '0'], dir);
    onTestFinished(() => {
      dev.kill();
    });
    const stdout = await dev.waitForStdout(END_OF_WALKTHROUGH, 45_000);
    expect(stdout).toMatch(/NOT for production/);
    expect(stdout).toMatch(/dev AS +http:\/\/127\.0\.0\.1:\d+\/realms\/umagate/);

    const commands = walkthroughCommands(stdout);
    const outputs = await pasteIntoShell(commands, dir);
    const step = (pattern: RegExp): string => outputs[commands.findIndex((c) => pattern.test(c))] ?? '';

    const denied = step(/^curl -i http\S+\/photo$/);
    expect(statusOf(denied)).toBe(401);
    expect(denied).toMatch(/^www-authenticate: UMA realm="rs",as_uri="http:\/\/127\.0\.0\.1:\d+\/realms\/umagate",error="insufficient_scope",ticket="[^"]+"/im);

    // Standard UMA on the client side: curl and the uma-ticket grant, nothing of umagate's.
    const trade = commands.find((c) => c.includes('grant_type=urn:ietf:params:oauth:grant-type:uma-ticket')) ?? '';
    expect(trade).toMatch(/^RESULT=\$\(curl -s -u \S+ -d grant_type=urn:ietf:params:oauth:grant-type:uma-ticket -d ticket="\$TICKET" /);
    expect(commands.some((c) => c.includes(' oxd '))).toBe(false);
    const rpt = JSON.parse(step(/uma-ticket/)) as { access_token?: unknown };
    expect(rpt.access_token).toEqual(expect.any(String));

    const granted = step(/Authorization: Bearer \$RPT/);
    expect(statusOf(granted)).toBe(200);
    expect(bodyOf(granted)).toMatchObject({ backend: ECHO_BACKEND_NAME, method: 'GET', url: '/photo' } satisfies Partial<EchoReply>);
    // The dev clients were written for the reader, owner-only.
    const clients = JSON.parse(await readFile(join(dir, '.umagate-state', 'dev-as-clients.json'), 'utf8')) as { resourceServer?: { clientId?: string } };
    expect(clients.resourceServer?.clientId).toBe('umagate-dev-rs');
  });

  it('applies the live policy edit it suggests, and stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    const dir = await sandboxDir();
    const dev = spawnDev(ALL_PORTS_FREE, dir);
    onTestFinished(() => {
      dev.kill();
    });
    const stdout = await dev.waitForStdout(END_OF_WALKTHROUGH, 45_000);
    const proxyUrl = /^ {2}proxy +(http:\/\/\S+)/m.exec(stdout)?.[1] ?? '';
    const snippet = stdout
      .slice(stdout.indexOf(LIVE_EDIT_HEADING))
      .split('\n')
      .filter((line) => /^ {6}/.test(line))
      .map((line) => line.slice(4))
      .join('\n');
    const entry = parseDocument(snippet).toJSON() as [{ path: string; public: boolean }];
    const newPath = entry[0].path;
    expect((await fetch(`${proxyUrl}${newPath}`)).status).toBe(403);

    const policyFile = join(dir, 'policies.yaml');
    const policy = parseDocument(await readFile(policyFile, 'utf8'));
    (policy.get('resources') as YAMLSeq).add(policy.createNode(entry[0]));
    await writeFile(policyFile, policy.toString());
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await fetch(`${proxyUrl}${newPath}`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);

    dev.child.kill('SIGTERM');
    expect(await dev.exited()).toBe(0);
    await expect(fetch(proxyUrl)).rejects.toThrow();
  });

  it('names the busy port and the flag to change it, without a stack trace', { timeout: 30_000 }, async () => {
    const dir = await sandboxDir();
    const busy = createServer();
    const port = await listenOn(busy);
    onTestFinished(() => closeServer(busy));
    const dev = spawnDev([...ALL_PORTS_FREE, '--port', String(port)], dir);
    onTestFinished(() => {
      dev.kill();
    });
    expect(await dev.exited()).toBe(1);
    expect(dev.stderr().trim()).toBe(`umagate dev: port ${port} is already in use: choose another with --port <port> (0 picks a free one)`);
  });

  it('lists the problems of an invalid policy and starts nothing', { timeout: 30_000 }, async () => {
    const dir = await sandboxDir();
    await writeFile(join(dir, 'policies.yaml'), 'resources:\n  - path: photo\n    conditions: []\n');
    const dev = spawnDev(ALL_PORTS_FREE, dir);
    onTestFinished(() => {
      dev.kill();
    });
    expect(await dev.exited()).toBe(1);
    expect(dev.stderr()).toMatch(/^umagate dev: /);
    expect(dev.stderr()).toMatch(/policies\.yaml:2:\d+ {2}resources\[0\]\.path/);
    expect(dev.stderr()).not.toMatch(/^\s+at /m);
    expect(dev.stdout()).toBe('');
  });
});
