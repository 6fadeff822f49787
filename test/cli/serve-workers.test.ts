/**
 * `umagate serve --workers 2` as a process, in both authorization modes (through oxd, and
 * straight to the dev UMA 2.0 AS): node:cluster with the primary registering once and owning
 * reloads, drift repair and the admin listener, two traffic workers sharing the port. A worker
 * killed mid-traffic costs only its in-flight requests and is replaced; a reload under load
 * never has a request judged by a mixed policy; SIGTERM drains every worker; /metrics sums the
 * workers; drift a worker detects is repaired once, by the primary.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startDevAs } from '../../src/devas/index.js';
import { startDevOxd } from '../../src/devoxd/index.js';
import { UmaClient } from '../../src/uma/index.js';
import { spawnServe } from '../helpers/serve-process.js';
import { startGatedBackend } from '../proxy/gated-backend.js';
import { bearer, iniFor, MODES, oxdRpt, POLICY, REQUESTING_PARTY, RS_CLIENT, type LogCapture, type LogLine, type Mode } from '../proxy/harness.js';

const WORKERS = 2;
/** The (pattern, condition) pairs of POLICY: one AS resource each in direct mode. */
const CONDITIONS = 4;
/**
 * A cluster boots three Node processes, each loading the whole proxy: on a loaded two-core
 * machine that alone can take longer than a log wait's default deadline.
 */
const BOOT_MS = 45_000;

interface Cluster {
  readonly url: string;
  readonly adminUrl: string;
  readonly dir: string;
  readonly logs: LogCapture;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  readonly authz: Authz;
  signal(name: NodeJS.Signals): void;
}

/** The levers a test pulls on the authorization service, whichever mode runs. */
interface Authz {
  /** The service loses every registration it held (the clients its admin configured stay). */
  wipe(): void;
  /**
   * Registrations so far: oxd, of the site (each followed by the uma_rs_protect that succeeds;
   * after a wipe a first one fails on the unknown site, so those are not counted); direct, POSTs
   * of a resource.
   */
  registrations(): number;
  /** Trades a ticket for an RPT the way a requesting party does. */
  rptFor(ticket: string): Promise<string>;
}

/** What the primary logs once the boot registration succeeded, per mode. */
const REGISTERED: { readonly [M in Mode]: string } = { oxd: 'policy registered with oxd; ready', uma2: 'policy registered with the authorization server; ready' };

/** The authorization service of `mode`, and the flags that point the proxy at it. */
async function startAuthz(mode: Mode, dir: string): Promise<{ args: string[]; authz: Authz }> {
  if (mode === 'oxd') {
    const oxd = await startDevOxd();
    onTestFinished(() => oxd.close());
    const ini = join(dir, 'umagate.cfg');
    await writeFile(ini, iniFor(oxd, 'rest'));
    const authz: Authz = {
      wipe: () => {
        oxd.wipe();
      },
      registrations: () => oxd.count('register_site'),
      // The ini as the primary wrote it back: the site's id and credentials.
      rptFor: (ticket) => oxdRpt(ini, ticket),
    };
    return { args: [], authz };
  }
  const as = await startDevAs({ dialect: 'keycloak' });
  onTestFinished(() => as.close());
  const clients = (): void => {
    as.createClient(RS_CLIENT);
    as.createClient(REQUESTING_PARTY);
  };
  clients();
  // The secret from a file, as in production: never a flag value, and workers read it too.
  await writeFile(join(dir, 'client-secret'), `${RS_CLIENT.clientSecret}\n`, { mode: 0o600 });
  const authz: Authz = {
    wipe: () => {
      as.wipe();
      clients();
    },
    registrations: () => as.count('resource_registration', 'POST'),
    rptFor: async (ticket) => {
      const rp = await UmaClient.discover({ issuer: as.issuer, ...REQUESTING_PARTY });
      try {
        const result = await rp.getRpt({ ticket });
        if (result.outcome !== 'granted') throw new Error(`${result.outcome} where an RPT was expected`);
        return result.access_token;
      } finally {
        await rp.close();
      }
    },
  };
  return { args: ['--authz', 'uma2', '--issuer', as.issuer, '--client-id', RS_CLIENT.clientId, '--client-secret-file', 'client-secret'], authz };
}

async function startCluster(mode: Mode, policy = POLICY): Promise<Cluster & { backend: Awaited<ReturnType<typeof startGatedBackend>> }> {
  const dir = await mkdtemp(join(tmpdir(), 'umagate-workers-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const { args, authz } = await startAuthz(mode, dir);
  const backend = await startGatedBackend();
  onTestFinished(() => backend.close());
  await writeFile(join(dir, 'policies.yaml'), policy);
  const served = spawnServe(dir, [...args, '--workers', String(WORKERS), '--upstream', backend.url, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0']);
  const { logs, exited } = served;
  const listening = await logs.waitFor('"listening"', (l) => l.msg === 'listening', 0, BOOT_MS);
  await logs.waitFor(`"${REGISTERED[mode]}"`, (l) => l.msg === REGISTERED[mode], 0, BOOT_MS);
  const cluster = { url: String(listening.listen), adminUrl: String(listening.admin), dir, logs, exited, backend, authz, signal: (name: NodeJS.Signals) => { served.signal(name); } };
  await waitReady(cluster, 1);
  return cluster;
}

interface Readiness {
  readonly ready: boolean;
  readonly policy: { readonly generation: number };
  readonly workers: { readonly expected: number; readonly ready: number };
}

/** Polls /readyz (bounded) until every worker serves `generation`. */
async function waitReady(cluster: Cluster, generation: number): Promise<Readiness> {
  for (let attempt = 0; attempt < BOOT_MS / 50; attempt++) {
    const res = await fetch(`${cluster.adminUrl}/readyz`);
    const body = (await res.json()) as Readiness;
    if (res.status === 200 && body.policy.generation === generation && body.workers.ready === WORKERS) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the cluster did not become ready on generation ${generation}`);
}

/**
 * A GET on a fresh connection each time, so the primary spreads them over the workers. Bounded:
 * a connection the primary had just handed to a worker that then died is never answered.
 */
function getOnce(url: string, headers: Readonly<Record<string, string>> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: new Agent({ keepAlive: false }), timeout: 3_000, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.on('error', reject);
    req.end();
  });
}

function workersIn(lines: readonly LogLine[]): Set<unknown> {
  return new Set(lines.filter((l) => l.msg === 'request').map((l) => l.worker));
}

describe.each(MODES)('umagate serve --workers 2 (%s mode)', { timeout: 2 * BOOT_MS }, (mode) => {
  it('registers once, serves from both workers, and /metrics sums their requests', async () => {
    const cluster = await startCluster(mode);
    const count = 40;
    for (let i = 0; i < count; i++) expect((await getOnce(`${cluster.url}/health`)).status).toBe(200);
    await cluster.logs.waitFor(`${count} request lines`, () => cluster.logs.lines.filter((l) => l.msg === 'request').length === count);
    expect(workersIn(cluster.logs.lines).size).toBe(WORKERS);
    const metrics = await (await fetch(`${cluster.adminUrl}/metrics`)).text();
    const served = /^umagate_requests_total\{outcome="public",pattern="\/health"\} (\d+)$/m.exec(metrics)?.[1];
    expect(Number(served)).toBe(count);
    expect(metrics).toMatch(/^umagate_policy_generation 1$/m);
    expect(cluster.logs.lines.filter((l) => l.msg === REGISTERED[mode])).toHaveLength(1);
    // Workers never register: one uma_rs_protect, or one POST per (pattern, condition).
    expect(cluster.authz.registrations()).toBe(mode === 'oxd' ? 1 : CONDITIONS);
  });

  it('repairs drift a worker detects once, through the primary, and every worker grants under the new registration', async () => {
    const cluster = await startCluster(mode);
    const registered = cluster.authz.registrations();
    cluster.authz.wipe();
    const mark = cluster.logs.lines.length;
    // Concurrent, on fresh connections, so both workers get some: each that sees the drift asks
    // the primary (which one sees it first, and whether both do, is up to timing).
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => getOnce(`${cluster.url}/photo`, { 'x-request-id': `drift-${i}` })));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 401));
    // Workers' lines reach the primary's log over IPC, after their answers: count once all are in.
    await cluster.logs.waitFor('every drift request', () => answers.every((_, i) => cluster.logs.lines.some((l) => l.requestId === `drift-${i}`)));
    const lines = cluster.logs.lines.slice(mark);
    expect(lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('registration drift'))).toHaveLength(1);
    expect(cluster.authz.registrations() - registered).toBe(mode === 'oxd' ? 1 : CONDITIONS);
    const ticket = (JSON.parse(answers[0]?.body ?? '{}') as { ticket?: string }).ticket;
    if (ticket === undefined) throw new Error('a 401 without a ticket');
    const rpt = await cluster.authz.rptFor(ticket);
    const grantMark = cluster.logs.lines.length;
    for (let i = 0; i < 10; i++) expect((await getOnce(`${cluster.url}/photo`, bearer(rpt))).status).toBe(200);
    await cluster.logs.waitFor('10 granted request lines', () => cluster.logs.lines.slice(grantMark).filter((l) => l.outcome === 'granted').length === 10);
    expect(workersIn(cluster.logs.lines.slice(grantMark)).size).toBe(WORKERS);
  });

  it('replaces a worker killed mid-traffic; only requests in flight on it may fail', async () => {
    const cluster = await startCluster(mode);
    const before = await (await fetch(`${cluster.adminUrl}/readyz`)).json() as Readiness;
    expect(before.workers.ready).toBe(WORKERS);
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const concurrency = 4;
    const load = Array.from({ length: concurrency }, async () => {
      while (!stop) {
        try {
          const res = await getOnce(`${cluster.url}/health`);
          if (res.status === 200) ok += 1;
          else failures.push(`status ${res.status}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    });
    await cluster.logs.waitFor('20 answered requests', () => ok > 20);
    // Worker log lines carry the worker's pid.
    const victim = cluster.logs.lines.find((l) => l.msg === 'request');
    if (typeof victim?.pid !== 'number') throw new Error('a worker log line without its pid');
    process.kill(victim.pid, 'SIGKILL');
    const replaced = await cluster.logs.waitFor('the replacement of the killed worker', (l) => l.msg === 'traffic worker exited; starting a replacement');
    expect(replaced.signal).toBe('SIGKILL');
    await waitReady(cluster, 1);
    const okAfterReplacement = ok;
    await cluster.logs.waitFor('20 more answered requests', () => ok > okAfterReplacement + 20);
    stop = true;
    await Promise.all(load);
    // At most one request per load loop was in flight on the killed worker.
    expect(failures.length).toBeLessThanOrEqual(concurrency);
  });

  it('reloads under load with every request judged by one generation, and all workers reach it', async () => {
    // Generation 1: /health is public. Generation 2: /health is protected (a request without an RPT gets 401).
    const cluster = await startCluster(mode);
    let stop = false;
    const load = Array.from({ length: 3 }, async () => {
      while (!stop) await getOnce(`${cluster.url}/health`);
    });
    await cluster.logs.waitFor('20 request lines', () => cluster.logs.lines.filter((l) => l.msg === 'request').length > 20);
    await writeFile(join(cluster.dir, 'policies.yaml'), POLICY.replace('  - path: /health\n    public: true\n    httpMethods: [GET, HEAD]\n', '  - path: /health\n    conditions:\n      - httpMethods: [GET]\n        scopes: [http://photoz.example.com/dev/actions/view]\n'));
    cluster.signal('SIGHUP');
    await waitReady(cluster, 2);
    stop = true;
    await Promise.all(load);
    // Sent after /readyz reports generation 2 on every worker: none may be judged by generation 1.
    const after = Array.from({ length: 20 }, (_, i) => `after-reload-${i}`);
    for (const id of after) expect((await getOnce(`${cluster.url}/health`, { 'x-request-id': id })).status).toBe(401);
    await cluster.logs.waitFor('every request sent after the reload', () => after.every((id) => cluster.logs.lines.some((l) => l.requestId === id)));
    const requests = cluster.logs.lines.filter((l) => l.msg === 'request' && l.path === '/health');
    const byGeneration = (g: number): Set<unknown> => new Set(requests.filter((l) => l.generation === g).map((l) => l.outcome));
    // Every request was judged wholly by one generation: its outcome is that generation's.
    expect(byGeneration(1)).toEqual(new Set(['public']));
    expect(byGeneration(2)).toEqual(new Set(['uma_ticket']));
    const afterLines = requests.filter((l) => after.includes(String(l.requestId)));
    expect(afterLines.map((l) => l.generation)).toEqual(after.map(() => 2));
    expect(workersIn(afterLines).size).toBe(WORKERS);
  });

  it('on SIGTERM, drains the request in flight on a worker and exits 0', async () => {
    const cluster = await startCluster(mode);
    const held = cluster.backend.hold();
    const pending = getOnce(`${cluster.url}/public/slow`);
    await held.arrived;
    const mark = cluster.logs.lines.length;
    cluster.signal('SIGTERM');
    await cluster.logs.waitFor('"draining in-flight requests"', (l) => l.msg === 'draining in-flight requests', mark);
    held.release();
    expect(await pending).toEqual({ status: 200, body: 'GET /public/slow' });
    expect(await cluster.exited).toEqual([0, null]);
    const after = cluster.logs.lines.slice(mark);
    expect(after.filter((l) => l.msg === 'worker stopped')).toHaveLength(WORKERS);
    expect(after.filter((l) => l.msg === 'traffic worker exited; starting a replacement')).toEqual([]);
    expect(after.at(-1)?.msg).toBe('stopped');
  });
});

