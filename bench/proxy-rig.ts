/**
 * The system under test for the proxy benchmark: one child process with the dev oxd and the echo
 * backend, and two proxy children in front of them — one with the default decision cache, one
 * with --cache-ttl 0 — plus the RPTs the load generator sends. Each proxy has its own oxd ini, so
 * its own site and registration, as two deployments would.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OxdClient } from '../src/oxd/index.js';
import type { Pinning } from './cpu-pinning.js';
import { spawnSut, type Sut } from './spawn-sut.js';

const VIEW_SCOPE = 'http://photoz.example.com/dev/actions/view';

export const PUBLIC_PATH = '/health';
export const PROTECTED_PATH = '/photo';

export const POLICY = `resources:
  - path: ${PROTECTED_PATH}
    conditions:
      - httpMethods: [GET]
        scopes: [${VIEW_SCOPE}]
  - path: ${PUBLIC_PATH}
    public: true
`;

export interface BenchProxy {
  readonly url: string;
  readonly adminUrl: string;
  readonly sut: Sut;
}

export interface ProxyRig {
  readonly backendUrl: string;
  readonly upstream: Sut;
  /** Default cache settings (--cache-ttl 60). */
  readonly cached: BenchProxy;
  /** --cache-ttl 0: every protected request is decided by oxd. */
  readonly uncached: BenchProxy;
  /**
   * `count` distinct RPTs for GET PROTECTED_PATH through `proxy`, each from its own UMA client
   * (its own oxd site): oxd hands every request of one site the RPT it cached for that site.
   */
  rpts(proxy: BenchProxy, count: number): Promise<string[]>;
  /** One more proxy in front of the same backend and dev oxd, with its own site. */
  startProxy(name: string, cacheTtl: number, workers: number | 'auto'): Promise<BenchProxy>;
  close(): Promise<void>;
}

function required(sut: Sut, key: string): string {
  const value = sut.info[key];
  if (value === undefined || value === '') throw new Error(`bench child did not report ${key}`);
  return value;
}

/** `proxyNodeArgs`: extra node flags for the proxy children only (e.g. --cpu-prof in profile.ts). */
export async function startProxyRig(pinning: Pinning, proxyNodeArgs: readonly string[] = []): Promise<ProxyRig> {
  const dir = await mkdtemp(join(tmpdir(), 'umagate-bench-'));
  const started: Sut[] = [];
  let clients = 0;
  const close = async (): Promise<void> => {
    await Promise.all(started.map((sut) => sut.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const upstream = await spawnSut(pinning, 'sut-upstream.js', []);
    started.push(upstream);
    const backendUrl = required(upstream, 'backendUrl');
    const policy = join(dir, 'policies.yaml');
    await writeFile(policy, POLICY);
    const ini = iniText(required(upstream, 'oxdRestUrl'), required(upstream, 'opHost'));
    const newIni = async (name: string): Promise<string> => {
      const file = join(dir, `${name}.cfg`);
      await writeFile(file, ini);
      return file;
    };
    const startOne = async (name: string, cacheTtl: number, workers: number | 'auto' = 1): Promise<BenchProxy> => {
      const proxyPinning: Pinning = { pinned: pinning.pinned, sutCommand: [...pinning.sutCommand, ...proxyNodeArgs] };
      const sut = await spawnSut(proxyPinning, 'sut-proxy.js', [policy, await newIni(name), backendUrl, String(cacheTtl), String(workers)]);
      started.push(sut);
      return { url: required(sut, 'url'), adminUrl: required(sut, 'adminUrl'), sut };
    };
    const cached = await startOne('cached', 60);
    const uncached = await startOne('uncached', 0);
    const rpts = async (proxy: BenchProxy, count: number): Promise<string[]> => {
      const all: string[] = [];
      for (let i = 0; i < count; i++) all.push(await obtainRpt(proxy, await newIni(`client-${clients++}`)));
      return all;
    };
    return { backendUrl, upstream, cached, uncached, rpts, startProxy: startOne, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export function iniText(restUrl: string, opHost: string): string {
  return `[oxd]\nhost = ${restUrl}\nprotocol = rest\nid =\ntimeout_ms = 2000\n\n[client]\nop_host = ${opHost}\nauthorization_redirect_uri = https://rp.example.org/callback\nscope = openid,uma_protection\n`;
}

/** What a UMA client does: 401 with a ticket, then uma_rp_get_rpt with that ticket. */
export async function obtainRpt(proxy: BenchProxy, clientIni: string): Promise<string> {
  const client = await OxdClient.fromConfigFile(clientIni);
  try {
    await client.registerSite();
    const challenge = await fetch(`${proxy.url}${PROTECTED_PATH}`);
    const body = (await challenge.json()) as { ticket?: unknown };
    if (challenge.status !== 401 || typeof body.ticket !== 'string') throw new Error(`expected 401 with a ticket, got ${challenge.status}`);
    const rpt = await client.umaRpGetRpt(body.ticket);
    if (!('access_token' in rpt)) throw new Error('the dev oxd answered need_info where an RPT was expected');
    return rpt.access_token;
  } finally {
    await client.close();
  }
}
