/**
 * One end-to-end setup per test, in either authorization mode: the dev oxd (in the protocol asked
 * for) or the dev UMA 2.0 AS (direct mode, in the dialect asked for), the echo backend, a policy
 * file (and the oxd ini) in a temp dir, and the proxy itself — all real servers on port 0.
 * Log lines are captured so tests can assert on them (and on what they must never contain).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect } from 'vitest';
import { OxdClient } from '../../src/oxd/index.js';
import { startDevOxd, type DevOxd, type DevOxdOptions } from '../../src/devoxd/index.js';
import { startDevAs, type DevAs, type DevAsClient, type DevAsDialect, type DevAsOptions } from '../../src/devas/index.js';
import { UmaClient } from '../../src/uma/index.js';
import { startProxy, type RunningProxy, type StartProxyOptions } from '../../src/proxy/index.js';
import { startEchoBackend, type EchoBackend } from '../helpers/echo-backend.js';
import { restartablePort } from '../helpers/restartable-port.js';

export type Protocol = 'socket' | 'rest' | 'https-extension';
/** How the proxy reaches the AS: through oxd, or straight (direct UMA 2.0 mode). */
export type Mode = 'oxd' | 'uma2';
export const MODES: readonly Mode[] = ['oxd', 'uma2'];

export const PHOTO_VIEW = 'http://photoz.example.com/dev/actions/view';
export const PHOTO_ALL = 'http://photoz.example.com/dev/actions/all';

/** The policy most tests use: one protected path per pattern kind, public paths, default deny. */
export const POLICY = `
unprotected: deny
resources:
  - path: /photo
    conditions:
      - httpMethods: [GET]
        scopes: [${PHOTO_VIEW}]
      - httpMethods: [PUT, POST, DELETE]
        scopes: [${PHOTO_ALL}]
  - path: /albums/?
    conditions:
      - httpMethods: [GET]
        scopes: [${PHOTO_VIEW}]
  - path: /admin
    conditions:
      - httpMethods: [GET, POST]
        scopes: [http://photoz.example.com/dev/actions/admin]
  - path: /health
    public: true
    httpMethods: [GET, HEAD]
  - path: /public/??
    public: true
`;

export type LogLine = Record<string, unknown>;

/** How long LogCapture.waitFor waits for a line: under the tests' 20 s timeout, over any boot. */
const WAIT_FOR_MS = 10_000;

export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];
  text = '';
  #waiters: { readonly match: (line: LogLine) => boolean; readonly resolve: (line: LogLine) => void }[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const text = chunk.toString('utf8');
    this.text += text;
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      const line = JSON.parse(raw) as LogLine;
      this.lines.push(line);
      const [done, waiting] = partition(this.#waiters, (w) => w.match(line));
      this.#waiters = waiting;
      for (const waiter of done) waiter.resolve(line);
    }
    callback();
  }

  /**
   * The first line from index `from` on that matches, as soon as it is written: tests wait for
   * what the proxy reports instead of sleeping. `from` = `lines.length` waits for a new line.
   * Gives up after `withinMs` (default WAIT_FOR_MS), naming `what` it waited for and the last
   * lines it saw, well before the test's own timeout would fail it without saying why.
   */
  waitFor(what: string, match: (line: LogLine) => boolean, from = 0, withinMs = WAIT_FOR_MS): Promise<LogLine> {
    const found = this.lines.slice(from).find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const seen = this.lines.slice(Math.max(from, this.lines.length - 5)).map((l) => JSON.stringify(l));
        reject(new Error(`no log line ${what} within ${withinMs} ms; the last ones:\n${seen.join('\n') || '(none)'}`));
      }, withinMs);
      this.#waiters.push(waiter);
    });
  }

  requests(): LogLine[] {
    return this.lines.filter((l) => l.msg === 'request');
  }
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

/** What a test does to the authorization service, in whichever mode it runs. */
export interface AuthzControl {
  /** `as_uri` of the challenge: oxd's op_host, or the AS issuer. */
  readonly asUri: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Tickets minted so far (oxd: check_access calls; direct: permission endpoint calls). */
  ticketRequests(): number;
  /** Makes the next decision calls fail: garbage, or slower than `ms`. */
  fault(fault: { readonly kind: 'garbage' } | { readonly kind: 'delay'; readonly ms: number }): void;
  /** Makes the service refuse to issue a ticket (oxd: denied without ticket; direct: 400 at the permission endpoint). */
  refuseTickets(): void;
}

export interface Harness {
  readonly mode: Mode;
  readonly dir: string;
  readonly policyFile: string;
  readonly iniFile: string;
  /** The dev oxd (oxd mode only; throws in direct mode). */
  readonly oxd: DevOxd;
  /** The dev UMA 2.0 AS (direct mode only; throws in oxd mode). */
  readonly as: DevAs;
  readonly authz: AuthzControl;
  readonly backend: EchoBackend;
  readonly proxy: RunningProxy;
  readonly logs: LogCapture;
  /** GET/POST… through the proxy (fetch normalises paths: use `send` for hostile targets). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Sends the request target exactly as given (node:http does not normalise it). */
  send(target: string, init?: RawInit): Promise<RawResponse>;
  /** Turns a ticket into an RPT the way an RP would (uma_rp_get_rpt on the same oxd). */
  rptFor(ticket: string): Promise<string>;
  /** 401 → ticket → RPT for one method + path. */
  obtainRpt(method: string, path: string): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly mode?: Mode;
  readonly protocol?: Protocol;
  /** Direct mode's AS dialect (default keycloak). */
  readonly dialect?: DevAsDialect;
  readonly as?: Omit<DevAsOptions, 'dialect'>;
  /** Direct mode: the resource-server client's settings (default: allowed uma_protection). */
  readonly rsClient?: { readonly umaProtection?: boolean };
  /** Direct mode: called with the dev AS before the proxy boots (faults, switches). */
  readonly prepareAs?: (as: DevAs) => void;
  readonly policy?: string;
  readonly oxd?: DevOxdOptions;
  readonly proxy?: Partial<StartProxyOptions>;
  /** Wait for the boot registration (default true). */
  readonly waitRegistered?: boolean;
  /** Start with oxd (or the AS) stopped (boot-outage tests). */
  readonly oxdDown?: boolean;
  /** Starts the proxy (default: src's startProxy; `--workers` above 1 needs the built package's). */
  readonly startProxy?: typeof startProxy;
}

export function iniFor(oxd: DevOxd, protocol: Protocol): string {
  const oxdSection =
    protocol === 'socket'
      ? `host = 127.0.0.1\nport = ${oxd.socketAddress?.port ?? 0}\nprotocol = socket`
      : `host = ${protocol === 'rest' ? oxd.restUrl : oxd.httpsExtensionUrl}\nprotocol = ${protocol}`;
  return `[oxd]\n${oxdSection}\nid =\ntimeout_ms = 2000\n\n[client]\nop_host = ${oxd.opHost}\nauthorization_redirect_uri = https://rp.example.org/callback\nscope = openid,uma_protection\n`;
}

/** Trades a ticket for an RPT as an RP of the site in `iniFile` (uma_rp_get_rpt), on a client of its own. */
export async function oxdRpt(iniFile: string, ticket: string): Promise<string> {
  const rp = await OxdClient.fromConfigFile(iniFile);
  try {
    const result = await rp.umaRpGetRpt(ticket);
    if (!('access_token' in result)) throw new Error('need_info where an RPT was expected');
    return result.access_token;
  } finally {
    await rp.close();
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  return (options.mode ?? 'oxd') === 'uma2' ? startUma2Harness(options) : startOxdHarness(options);
}

async function startOxdHarness(options: HarnessOptions): Promise<Harness> {
  const protocol = options.protocol ?? 'rest';
  const dir = await mkdtemp(join(tmpdir(), 'umagate-proxy-'));
  const oxd = await startDevOxd({
    socketPort: await restartablePort(),
    restPort: await restartablePort(),
    ...(protocol === 'https-extension' ? { httpsExtensionPort: await restartablePort() } : {}),
    ...options.oxd,
  });
  const backend = await startEchoBackend();
  const policyFile = join(dir, 'policies.yaml');
  const iniFile = join(dir, 'umagate.cfg');
  await writeFile(policyFile, options.policy ?? POLICY);
  await writeFile(iniFile, iniFor(oxd, protocol));
  if (options.oxdDown === true) await oxd.stop();
  const logs = new LogCapture();
  const proxy = await (options.startProxy ?? startProxy)({ ...proxyDefaults(policyFile, backend, logs), oxdConfig: iniFile, ...options.proxy });
  if (options.waitRegistered ?? true) await proxy.registered;
  let rpClient: OxdClient | null = null;
  const authz: AuthzControl = {
    asUri: oxd.opHost,
    stop: () => oxd.stop(),
    start: () => oxd.start(),
    ticketRequests: () => oxd.count('uma_rs_check_access'),
    fault: (fault) => {
      oxd.faults.add({ command: 'uma_rs_check_access', fault });
    },
    refuseTickets: () => {
      const data = protocol === 'rest' ? { access: 'denied' } : { access: 'denied', ticket: null, 'www-authenticate_header': null };
      oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'answer', data } });
    },
  };
  return assemble({
    mode: 'oxd',
    dir,
    policyFile,
    iniFile,
    oxd,
    as: null,
    authz,
    backend,
    proxy,
    logs,
    async rptFor(ticket) {
      rpClient ??= await OxdClient.fromConfigFile(iniFile);
      const result = await rpClient.umaRpGetRpt(ticket);
      if (!('access_token' in result)) throw new Error('need_info where an RPT was expected');
      return result.access_token;
    },
    async close() {
      await proxy.close();
      await rpClient?.close();
      await backend.close();
      await oxd.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

/** The resource-server client the proxy authenticates as in direct mode. */
export const RS_CLIENT = { clientId: 'umagate-rs', clientSecret: 'rs-secret-0123456789' } as const;
/** Direct mode: the client that plays the requesting party (trades tickets for RPTs). */
export const REQUESTING_PARTY = { clientId: 'requesting-party', clientSecret: 'rp-secret-0123456789' } as const;

async function startUma2Harness(options: HarnessOptions): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'umagate-proxy-'));
  const as = await startDevAs({ dialect: options.dialect ?? 'keycloak', port: await restartablePort(), ...options.as });
  as.createClient({ ...RS_CLIENT, ...options.rsClient });
  options.prepareAs?.(as);
  const rp: DevAsClient = as.createClient(REQUESTING_PARTY);
  const backend = await startEchoBackend();
  const policyFile = join(dir, 'policies.yaml');
  await writeFile(policyFile, options.policy ?? POLICY);
  if (options.oxdDown === true) await as.stop();
  const logs = new LogCapture();
  const proxy = await (options.startProxy ?? startProxy)({
    ...proxyDefaults(policyFile, backend, logs),
    authz: 'uma2',
    issuer: as.issuer,
    clientId: RS_CLIENT.clientId,
    clientSecret: RS_CLIENT.clientSecret,
    umaState: join(dir, 'state', 'uma-resources.json'),
    ...options.proxy,
  });
  if (options.waitRegistered ?? true) await proxy.registered;
  let rpClient: UmaClient | null = null;
  const authz: AuthzControl = {
    asUri: as.issuer,
    stop: () => as.stop(),
    start: () => as.start(),
    ticketRequests: () => as.count('permission'),
    fault: (fault) => {
      // A decision needs the permission endpoint (no RPT) or introspection (an RPT): fail both.
      as.faults.add({ endpoint: 'permission', fault });
      as.faults.add({ endpoint: 'introspection', fault });
    },
    refuseTickets: () => {
      as.faults.add({ endpoint: 'permission', fault: { kind: 'answer', status: 400, body: { error: 'invalid_request', error_description: 'refused by the test' } } });
    },
  };
  return assemble({
    mode: 'uma2',
    dir,
    policyFile,
    iniFile: join(dir, 'umagate.cfg'),
    oxd: null,
    as,
    authz,
    backend,
    proxy,
    logs,
    async rptFor(ticket) {
      rpClient ??= await UmaClient.discover({ issuer: as.issuer, clientId: rp.clientId, clientSecret: rp.clientSecret });
      const result = await rpClient.getRpt({ ticket });
      if (result.outcome !== 'granted') throw new Error(`${result.outcome} where an RPT was expected`);
      return result.access_token;
    },
    async close() {
      await proxy.close();
      await rpClient?.close();
      await backend.close();
      await as.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

function proxyDefaults(policyFile: string, backend: EchoBackend, logs: LogCapture): StartProxyOptions {
  return { policy: policyFile, upstream: backend.url, listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', logLevel: 'debug', logDestination: logs };
}

interface HarnessParts {
  readonly mode: Mode;
  readonly dir: string;
  readonly policyFile: string;
  readonly iniFile: string;
  readonly oxd: DevOxd | null;
  readonly as: DevAs | null;
  readonly authz: AuthzControl;
  readonly backend: EchoBackend;
  readonly proxy: RunningProxy;
  readonly logs: LogCapture;
  rptFor(ticket: string): Promise<string>;
  close(): Promise<void>;
}

function assemble(parts: HarnessParts): Harness {
  const { proxy } = parts;
  const harness: Harness = {
    mode: parts.mode,
    dir: parts.dir,
    policyFile: parts.policyFile,
    iniFile: parts.iniFile,
    get oxd(): DevOxd {
      if (parts.oxd === null) throw new Error('this harness runs in direct mode: it has no dev oxd');
      return parts.oxd;
    },
    get as(): DevAs {
      if (parts.as === null) throw new Error('this harness runs in oxd mode: it has no dev UMA 2.0 AS');
      return parts.as;
    },
    authz: parts.authz,
    backend: parts.backend,
    proxy,
    logs: parts.logs,
    fetch: (path, init) => fetch(`${proxy.url}${path}`, init),
    send: (target, init) => send(proxy.url, target, init),
    rptFor: (ticket) => parts.rptFor(ticket),
    async obtainRpt(method, path) {
      const denied = await harness.fetch(path, { method });
      const body = (await denied.json()) as { ticket?: string };
      if (denied.status !== 401 || body.ticket === undefined) throw new Error(`expected 401 with a ticket, got ${denied.status}`);
      return harness.rptFor(body.ticket);
    },
    close: () => parts.close(),
  };
  return harness;
}

/**
 * One harness shared by every test of a file (started before the first, closed after the last),
 * for files whose tests only read: what each test sent still adds to `backend.seen`.
 */
export function useFileHarness(options: HarnessOptions = {}): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness(options);
  });
  afterAll(async () => {
    await h?.close();
  });
  return () => {
    if (h === undefined) throw new Error('the file harness has not started');
    return h;
  };
}

/** Sends the target as is; expects it refused with `status` (and `code`), and nothing forwarded. */
/** Sends `target` raw and asserts it was refused with `status` (and `code`) and never forwarded. */
export async function expectRefused(h: Harness, target: string, status: number, code?: string): Promise<void> {
  const before = h.backend.seen.length;
  const res = await h.send(target);
  expect(res.status).toBe(status);
  if (code !== undefined) expect(res.json().code).toBe(code);
  expect(h.backend.seen).toHaveLength(before);
}

export function bearer(rpt: string): { authorization: string } {
  return { authorization: `Bearer ${rpt}` };
}

export interface RawInit {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json(): { code?: string; message?: string; ticket?: string };
}

export function send(base: string, target: string, init: RawInit = {}): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: init.method ?? 'GET', path: target, headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as { code?: string } });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
