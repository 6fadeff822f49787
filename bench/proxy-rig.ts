/**
 * The system under test for the proxy benchmark: one child process with the dev oxd, the dev
 * UMA 2.0 AS and the echo backend, the proxy children the caller starts in front of them (in
 * either authorization mode), and the RPTs the load generator sends. Each oxd-mode proxy has its
 * own oxd ini (so its own site and registration) and each direct-mode proxy its own AS client
 * and state file, as separate deployments would.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OxdClient } from '../src/oxd/index.js';
import { UmaClient } from '../src/uma/index.js';
import type { Pinning } from './cpu-pinning.js';
import { settleAll, spawnSut, type Sut } from './spawn-sut.js';

const VIEW_SCOPE = 'http://photoz.example.com/dev/actions/view';

export const PUBLIC_PATH = '/health';
export const PROTECTED_PATH = '/photo';

/** Shaped like the example policy: a literal, a public path, and a `{regex}` segment. */
export const POLICY = `resources:
  - path: ${PROTECTED_PATH}
    conditions:
      - httpMethods: [GET]
        scopes: [${VIEW_SCOPE}]
  - path: /users/{[0-9]+}
    conditions:
      - httpMethods: [GET]
        scopes: [${VIEW_SCOPE}]
  - path: ${PUBLIC_PATH}
    public: true
`;

/** How a proxy decides: through oxd, or straight with the AS (`--authz uma2 --rpt-verify …`). */
export type ProxyAuthz = { readonly authz: 'oxd' } | { readonly authz: 'uma2'; readonly rptVerify: 'introspect' | 'jwt' };

export interface RigProxy {
  readonly url: string;
  readonly adminUrl: string;
  readonly sut: Sut;
  readonly mode: ProxyAuthz;
}

export interface ProxyRigOptions {
  /** Extra node flags for the proxy children only (e.g. --cpu-prof in profile.ts). */
  readonly proxyNodeArgs?: readonly string[];
  /** One AS client is made for each direct-mode proxy the run will start, named here. */
  readonly directProxies?: readonly string[];
}

/** How startProxy runs a proxy, beyond its name and cache TTL. */
export interface ProxyStart {
  /** --workers: a count or 'auto'; default 1. */
  readonly workers?: number | 'auto';
  /** Default: oxd mode. */
  readonly mode?: ProxyAuthz;
  /** The sut-proxy.js to run, e.g. an older build's (ab.ts); default this build's. */
  readonly entry?: string;
}

export interface ProxyRig {
  readonly backendUrl: string;
  readonly upstream: Sut;
  /**
   * `count` distinct RPTs for GET PROTECTED_PATH through `proxy`, the way a UMA client gets them
   * (401 with a ticket, then the ticket traded for an RPT). oxd mode: each from its own UMA client
   * (its own oxd site), since oxd hands every request of one site the RPT it cached for that site.
   * Direct mode: one requesting party, one uma-ticket grant per RPT.
   */
  rpts(proxy: RigProxy, count: number): Promise<string[]>;
  /**
   * A proxy in front of the backend, deciding through the dev oxd (its own site) or, in direct
   * mode, with the dev AS; `name` is then one of `directProxies` (it is the proxy's AS client).
   * `cacheTtl` 60 is the default cache; 0 sends every protected request to oxd or the AS.
   */
  startProxy(name: string, cacheTtl: number, how?: ProxyStart): Promise<RigProxy>;
  close(): Promise<void>;
}

function required(sut: Sut, key: string): string {
  const value = sut.info[key];
  if (value === undefined || value === '') throw new Error(`bench child did not report ${key}`);
  return value;
}

const OXD: ProxyAuthz = { authz: 'oxd' };

export async function startProxyRig(pinning: Pinning, options: ProxyRigOptions = {}): Promise<ProxyRig> {
  const dir = await mkdtemp(join(tmpdir(), 'umagate-bench-'));
  const started: Sut[] = [];
  let requestingParty: Promise<UmaClient> | null = null;
  let clients = 0;
  const close = async (): Promise<void> => {
    await Promise.all(started.map((sut) => sut.stop()));
    await requestingParty?.then((rp) => rp.close()).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const upstream = await spawnSut(pinning, 'sut-upstream.js', options.directProxies ?? []);
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
    const authzFile = async (name: string, mode: ProxyAuthz): Promise<string> => {
      if (mode.authz === 'oxd') return newIni(name);
      const clientSecretFile = join(dir, `${name}.secret`);
      await writeFile(clientSecretFile, required(upstream, `secret:${name}`), { mode: 0o600 });
      const settings = { issuer: required(upstream, 'asIssuer'), clientId: name, clientSecretFile, umaState: join(dir, `${name}-uma-resources.json`), rptVerify: mode.rptVerify };
      const file = join(dir, `${name}.json`);
      await writeFile(file, JSON.stringify(settings));
      return file;
    };
    const startOne = async (name: string, cacheTtl: number, { workers = 1, mode = OXD, entry = 'sut-proxy.js' }: ProxyStart = {}): Promise<RigProxy> => {
      const proxyPinning: Pinning = { pinned: pinning.pinned, sutCommand: [...pinning.sutCommand, ...(options.proxyNodeArgs ?? [])] };
      const sut = await spawnSut(proxyPinning, entry, [policy, await authzFile(name, mode), backendUrl, String(cacheTtl), String(workers)]);
      started.push(sut);
      return { url: required(sut, 'url'), adminUrl: required(sut, 'adminUrl'), sut, mode };
    };
    const directRpt = async (proxy: RigProxy): Promise<string> => {
      requestingParty ??= UmaClient.discover({ issuer: required(upstream, 'asIssuer'), clientId: required(upstream, 'rpClientId'), clientSecret: required(upstream, 'rpClientSecret') });
      return obtainDirectRpt(proxy, await requestingParty);
    };
    const rpts = (proxy: RigProxy, count: number): Promise<string[]> =>
      settleAll(Array.from({ length: count }, async () => (proxy.mode.authz === 'oxd' ? obtainRpt(proxy, await newIni(`client-${clients++}`)) : directRpt(proxy))));
    return { backendUrl, upstream, rpts, startProxy: startOne, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export function iniText(restUrl: string, opHost: string): string {
  return `[oxd]\nhost = ${restUrl}\nprotocol = rest\nid =\ntimeout_ms = 2000\n\n[client]\nop_host = ${opHost}\nauthorization_redirect_uri = https://rp.example.org/callback\nscope = openid,uma_protection\n`;
}

/** The first step of every UMA client: the protected path without a token, answered 401 with a ticket. */
async function ticketFrom(proxy: RigProxy): Promise<string> {
  const challenge = await fetch(`${proxy.url}${PROTECTED_PATH}`);
  const body = (await challenge.json()) as { ticket?: unknown };
  if (challenge.status !== 401 || typeof body.ticket !== 'string') throw new Error(`expected 401 with a ticket, got ${challenge.status}`);
  return body.ticket;
}

/** oxd mode, what a UMA client of oxd does: 401 with a ticket, then uma_rp_get_rpt with that ticket. */
async function obtainRpt(proxy: RigProxy, clientIni: string): Promise<string> {
  const client = await OxdClient.fromConfigFile(clientIni);
  try {
    await client.registerSite();
    const rpt = await client.umaRpGetRpt(await ticketFrom(proxy));
    if (!('access_token' in rpt)) throw new Error('the dev oxd answered need_info where an RPT was expected');
    return rpt.access_token;
  } finally {
    await client.close();
  }
}

/** Direct mode: 401 with a ticket, then the uma-ticket grant at the AS's token endpoint. */
async function obtainDirectRpt(proxy: RigProxy, requestingParty: UmaClient): Promise<string> {
  const result = await requestingParty.getRpt({ ticket: await ticketFrom(proxy) });
  if (result.outcome !== 'granted') throw new Error(`the dev AS answered ${result.outcome} where an RPT was expected`);
  return result.access_token;
}
