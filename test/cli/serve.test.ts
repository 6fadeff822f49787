/**
 * `umagate serve` and `umagate protect` against a dev oxd and backends in this test process:
 * flags and their help, refusals to start and idempotent registration (the command tree run
 * in-process), and a request through then draining on SIGTERM (the built CLI, spawned).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startDevOxd, type DevOxd } from '../../src/devoxd/index.js';
import { startDevAs } from '../../src/devas/index.js';
import { callCli } from '../helpers/cli.js';
import { spawnServe } from '../helpers/serve-process.js';
import { startGatedBackend, type GatedBackend } from '../proxy/gated-backend.js';
import { iniFor, POLICY } from '../proxy/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The flags of the README's *Configuration reference*, with their env name and default. */
const FLAGS: readonly { readonly flag: string; readonly env: string; readonly default: string }[] = [
  { flag: '--policy <file>', env: 'UMAGATE_POLICY', default: '(default: "policies.yaml"' },
  { flag: '--oxd-config <file>', env: 'UMAGATE_OXD_CONFIG', default: '(default: "umagate.cfg"' },
  { flag: '--upstream <url>', env: 'UMAGATE_UPSTREAM', default: '(required)' },
  { flag: '--listen <host:port>', env: 'UMAGATE_LISTEN', default: '(default: "0.0.0.0:8080"' },
  { flag: '--admin-listen <host:port>', env: 'UMAGATE_ADMIN_LISTEN', default: '(default: "0.0.0.0:9090"' },
  { flag: '--pass-credentials <mode>', env: 'UMAGATE_PASS_CREDENTIALS', default: 'default: "pass"' },
  { flag: '--cache-ttl <seconds>', env: 'UMAGATE_CACHE_TTL', default: '(default: "60"' },
  { flag: '--cache-max <entries>', env: 'UMAGATE_CACHE_MAX', default: '(default: "10000"' },
  { flag: '--trust-proxy <cidrs>', env: 'UMAGATE_TRUST_PROXY', default: '(default: none)' },
  { flag: '--log-level <level>', env: 'UMAGATE_LOG_LEVEL', default: 'default: "info"' },
  { flag: '--upstream-ca-file <file>', env: 'UMAGATE_UPSTREAM_CA_FILE', default: 'private CA' },
  { flag: '--upstream-timeout <seconds>', env: 'UMAGATE_UPSTREAM_TIMEOUT', default: '(default: "30"' },
  { flag: '--oxd-timeout <seconds>', env: 'UMAGATE_OXD_TIMEOUT', default: '(default: "5"' },
  { flag: '--oxd-per-client <n>', env: 'UMAGATE_OXD_PER_CLIENT', default: '(default: "16"' },
  { flag: '--max-connections <n>', env: 'UMAGATE_MAX_CONNECTIONS', default: '(default: "4096"' },
  { flag: '--shutdown-grace <seconds>', env: 'UMAGATE_SHUTDOWN_GRACE', default: '(default: "10"' },
  { flag: '--workers <count>', env: 'UMAGATE_WORKERS', default: '(default: "1"' },
  // Direct UMA 2.0 mode (README, "Direct UMA 2.0 mode").
  { flag: '--authz <mode>', env: 'UMAGATE_AUTHZ', default: 'default: "oxd"' },
  { flag: '--issuer <url>', env: 'UMAGATE_ISSUER', default: 'uma2:' },
  { flag: '--uma-discovery <url>', env: 'UMAGATE_UMA_DISCOVERY', default: 'uma2:' },
  { flag: '--client-id <id>', env: 'UMAGATE_CLIENT_ID', default: 'uma2:' },
  { flag: '--client-secret-file <path>', env: 'UMAGATE_CLIENT_SECRET_FILE', default: 'env: UMAGATE_CLIENT_SECRET;' },
  { flag: '--as-dialect <dialect>', env: 'UMAGATE_AS_DIALECT', default: 'default: "auto"' },
  { flag: '--rpt-verify <mode>', env: 'UMAGATE_RPT_VERIFY', default: 'default: "introspect"' },
  { flag: '--uma-state <file>', env: 'UMAGATE_UMA_STATE', default: '(default: ".umagate-state/uma-resources.json"' },
  { flag: '--uma-realm <realm>', env: 'UMAGATE_UMA_REALM', default: '(default: "rs"' },
  { flag: '--resource-name-prefix <prefix>', env: 'UMAGATE_RESOURCE_NAME_PREFIX', default: 'uma2:' },
  { flag: '--ca-file <file>', env: 'UMAGATE_CA_FILE', default: 'uma2:' },
  { flag: '--insecure-skip-tls-verify', env: 'UMAGATE_INSECURE_SKIP_TLS_VERIFY', default: 'off by default' },
  { flag: '--as-timeout <seconds>', env: 'UMAGATE_AS_TIMEOUT', default: '(default: "5"' },
  { flag: '--allow-http-as', env: 'UMAGATE_ALLOW_HTTP_AS', default: 'off by default' },
];

/** The options section of commander's help, one entry per option with wrapped lines joined. */
function optionEntries(help: string): string[] {
  const section = help.slice(help.indexOf('Options:\n') + 'Options:\n'.length);
  // An option starts at a 2-space indent; its wrapped description continues deeper.
  return section
    .replace(/\n {3,}/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith('  -'))
    .map((line) => line.trim().replace(/\s+/g, ' '));
}

describe('umagate serve --help', () => {
  it('lists every flag with its env name and default', async () => {
    const result = await callCli(['serve', '--help']);
    expect(result.code).toBe(0);
    const entries = optionEntries(result.stdout);
    const listed = entries.map((e) => /^(?:-h, )?--[a-z-]+(?: <[^>]+>)?/.exec(e)?.[0]);
    expect(listed).toEqual([...FLAGS.map((f) => f.flag), '-h, --help']);
    for (const { flag, env, default: shown } of FLAGS) {
      const entry = entries.find((e) => e.startsWith(`${flag} `)) ?? '';
      expect(entry, flag).toContain(`env: ${env})`);
      expect(entry, flag).toContain(shown);
    }
  });
});

describe('umagate serve refuses to start', () => {
  it('without --upstream: exit 1 saying it is required', async () => {
    const result = await callCli(['serve', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'], { cwd: ROOT });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('invalid configuration:\n  --upstream: is required: the base URL of the backend, e.g. http://127.0.0.1:3000\n');
    expect(result.stdout).toBe('');
  });

  it('with an invalid policy: exit 1 listing every problem as file:line:col  yaml.path  message', async () => {
    const file = 'test/fixtures/policies/invalid/many-problems.yaml';
    const result = await callCli(['serve', '--policy', file, '--upstream', 'http://127.0.0.1:1', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'], { cwd: ROOT });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    // The same problems, the same way, as `umagate validate` reports them.
    const validated = await callCli(['validate', file], { cwd: ROOT });
    expect(result.stderr).toBe(validated.stderr);
    const problems = result.stderr.trimEnd().split('\n');
    const summary = problems.pop();
    expect(summary).toBe(`${file}: ${problems.length} problems in the policy`);
    expect(problems.length).toBeGreaterThan(1);
    for (const line of problems) expect(line).toMatch(/^[^:]+:\d+:\d+ {2}\S+ {2}\S/);
  });
});

/** A temp dir with the harness policy and an ini for the dev oxd's REST listener. */
async function workspace(oxd: DevOxd): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'umagate-serve-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'policies.yaml'), POLICY);
  await writeFile(join(dir, 'umagate.cfg'), iniFor(oxd, 'rest'));
  return dir;
}

async function devOxd(): Promise<DevOxd> {
  const oxd = await startDevOxd();
  onTestFinished(() => oxd.close());
  return oxd;
}

async function gatedBackend(): Promise<GatedBackend> {
  const backend = await startGatedBackend();
  onTestFinished(() => backend.close());
  return backend;
}

describe('umagate serve as a process', () => {
  it('proxies requests, and on SIGTERM finishes the one in flight before exiting 0', async () => {
    const oxd = await devOxd();
    const backend = await gatedBackend();
    const dir = await workspace(oxd);
    const served = spawnServe(dir, ['--upstream', backend.url, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0']);
    const listening = await served.logs.waitFor('"listening"', (l) => l.msg === 'listening');
    const url = String(listening.listen);
    await served.logs.waitFor('"policy registered with oxd; ready"', (l) => l.msg === 'policy registered with oxd; ready');

    const through = await fetch(`${url}/health`);
    expect(through.status).toBe(200);
    expect(await through.text()).toBe('GET /health');
    expect((await fetch(`${url}/photo`)).status).toBe(401);
    // Log lines are written asynchronously: wait for the last one before marking what follows.
    await served.logs.waitFor('"request" for /photo', (l) => l.msg === 'request' && l.path === '/photo');

    const held = backend.hold();
    const pending = fetch(`${url}/public/slow`);
    await held.arrived;
    const mark = served.logs.lines.length;
    served.signal('SIGTERM');
    await served.logs.waitFor('"draining in-flight requests"', (l) => l.msg === 'draining in-flight requests', mark);
    held.release();
    const slow = await pending;
    expect(slow.status).toBe(200);
    expect(await slow.text()).toBe('GET /public/slow');
    expect(await served.exited).toEqual([0, null]);
    // pino writes stdout asynchronously: what was logged while draining must still be flushed at exit.
    const afterSignal = served.logs.lines.slice(mark);
    expect(afterSignal.filter((l) => l.msg === 'request').map((l) => [l.path, l.status])).toEqual([['/public/slow', 200]]);
    expect(afterSignal.at(-1)?.msg).toBe('stopped');
  });
});

describe('umagate protect', () => {
  it('refuses an --oxd-timeout that would round to a 0 ms deadline, as serve does', async () => {
    const result = await callCli(['protect', '--oxd-timeout', '0.0001']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('--oxd-timeout: "0.0001" is not a number >= 0.001\n');
  });

  it('registers the policy and exits 0; a second run reports it unchanged', async () => {
    const oxd = await devOxd();
    const dir = await workspace(oxd);
    const first = await callCli(['protect'], { cwd: dir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^policies\.yaml: registered 3 resource\(s\); oxd id \S+\n$/);
    const second = await callCli(['protect'], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^policies\.yaml: unchanged \(oxd already holds this set\); oxd id \S+\n$/);
    expect(oxd.count('uma_rs_protect')).toBe(1);
  });

  it('--authz uma2 reconciles with the AS itself and exits 0; a second run writes nothing', async () => {
    const as = await startDevAs({ dialect: 'keycloak' });
    onTestFinished(() => as.close());
    const rs = as.createClient({ clientId: 'cli-rs', clientSecret: 'cli-rs-secret-0123' });
    const dir = await mkdtemp(join(tmpdir(), 'umagate-protect-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'policies.yaml'), POLICY);
    const args = ['protect', '--authz', 'uma2', '--issuer', as.issuer, '--client-id', rs.clientId];
    const env = { UMAGATE_CLIENT_SECRET: rs.clientSecret };
    const first = await callCli(args, { cwd: dir, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`policies.yaml: reconciled 4 resource(s); AS ${as.issuer}\n`);
    const second = await callCli(args, { cwd: dir, env });
    expect(second.stdout).toBe(`policies.yaml: unchanged (the AS already holds this set); AS ${as.issuer}\n`);
    expect(as.count('resource_registration', 'POST')).toBe(4);
    expect(as.count('resource_registration', 'PUT')).toBe(0);
  });

  it('--authz uma2 refuses oxd flags and names every missing setting', async () => {
    const result = await callCli(['protect', '--authz', 'uma2', '--oxd-config', 'umagate.cfg']);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').map((l) => l.split(':')[0])).toEqual(['--oxd-config', '--issuer', '--client-id', '--client-secret-file', '']);
  });
});
