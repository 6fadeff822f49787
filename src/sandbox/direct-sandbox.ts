/**
 * `umagate dev --authz uma2`: the dev UMA 2.0 AS instead of the dev oxd, the demo echo backend,
 * and the proxy in direct mode in front of it. Two dev clients are created at the AS — the
 * resource server the proxy authenticates as, and a requesting party for the walkthrough's
 * plain-curl uma-ticket grant — and written to `.umagate-state/` (owner-only), so the reader can
 * see (and reuse) what the proxy was given. Stopped in reverse order, also after a failed start.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startDevAs, type DevAs, type DevAsClient, type DevAsDialect } from '../devas/index.js';
import { loadPolicy } from '../policy/index.js';
import type { RunningProxy } from '../proxy/index.js';
import { demoPaths, type DemoPaths } from './demo-paths.js';
import type { EchoBackend } from './echo-backend.js';
import { withPortFlags } from './port-in-use.js';
import { LOOPBACK, startDemoBackend, startInOrder, startSandboxProxy, type SandboxProxySettings } from './sandbox.js';

/** Where the dev clients are written, relative to the working directory (ignored by git). */
export const DEV_AS_CLIENTS_PATH = '.umagate-state/dev-as-clients.json';

export interface DirectSandboxOptions extends SandboxProxySettings {
  readonly asPort: number;
  readonly dialect: DevAsDialect;
  readonly backendPort: number;
  readonly clientsPath: string;
}

export interface DirectSandbox {
  readonly proxy: RunningProxy;
  readonly as: DevAs;
  readonly backend: EchoBackend;
  readonly demo: DemoPaths;
  readonly tokenEndpoint: string;
  readonly requestingParty: DevAsClient;
  close(): Promise<void>;
}

export async function startDirectSandbox(options: DirectSandboxOptions): Promise<DirectSandbox> {
  // Read first: a broken policy is reported before any port is taken.
  const demo = demoPaths(await loadPolicy(options.policyFile));
  return startInOrder(async (started) => {
    const as = await withPortFlags([{ flag: '--as-port', port: options.asPort }], () => startDevAs({ host: LOOPBACK, port: options.asPort, dialect: options.dialect }));
    started(() => as.close());
    const backend = await startDemoBackend(options.backendPort, started);

    const resourceServer = as.createClient({ clientId: 'umagate-dev-rs', clientSecret: devSecret() });
    const requestingParty = as.createClient({ clientId: 'umagate-dev-rp', clientSecret: devSecret() });
    await writeClients(options.clientsPath, as, resourceServer, requestingParty);
    const stateFile = join(dirname(options.clientsPath), 'dev-uma-resources.json');
    // What an earlier sandbox registered describes a dev AS that is gone.
    await rm(stateFile, { force: true });

    const mode = { authz: 'uma2', issuer: as.issuer, clientId: resourceServer.clientId, clientSecret: resourceServer.clientSecret, umaState: stateFile, upstream: backend.url };
    const proxy = await startSandboxProxy(options, mode, 'the dev AS', started);
    return { proxy, as, backend, demo, tokenEndpoint: await tokenEndpointOf(as), requestingParty };
  });
}

/** Dev secrets are random per start: the dev AS forgets its clients when it stops anyway. */
function devSecret(): string {
  return randomBytes(18).toString('base64url');
}

async function writeClients(path: string, as: DevAs, resourceServer: DevAsClient, requestingParty: DevAsClient): Promise<void> {
  const text = `${JSON.stringify({ note: 'Written by `umagate dev --authz uma2` for its in-memory dev AS. Never for production.', issuer: as.issuer, resourceServer, requestingParty }, null, 2)}\n`;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { mode: 0o600 });
}

/** The token endpoint as the AS's own discovery document names it (what a UMA client would use). */
async function tokenEndpointOf(as: DevAs): Promise<string> {
  const document = (await (await fetch(as.discoveryUrl)).json()) as { token_endpoint?: unknown };
  if (typeof document.token_endpoint !== 'string') throw new Error('the dev AS discovery document names no token_endpoint');
  return document.token_endpoint;
}
