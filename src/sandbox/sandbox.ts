/**
 * The dev sandbox: the embedded dev oxd, the demo echo backend and the proxy in front of it,
 * wired together through a dev ini, started in that order and stopped in reverse. Whatever fails
 * half-way stops what had already started, so a failed start never leaves a port bound. The
 * helpers below also start direct mode's sandbox (direct-sandbox.ts).
 */
import { rm } from 'node:fs/promises';
import type { DestinationStream } from 'pino';
import { startDevOxd, type ClaimDemand, type DevOxd } from '../devoxd/index.js';
import { loadPolicy } from '../policy/index.js';
import { recordFileFor, startProxy, type LogLevel, type RunningProxy, type StartProxyOptions } from '../proxy/index.js';
import { demoPaths, type DemoPaths } from './demo-paths.js';
import { writeDevIni } from './dev-ini.js';
import { hostForUrl, startEchoBackend, type EchoBackend } from './echo-backend.js';
import { withPortFlags } from './port-in-use.js';

/** Every supporting service stays on loopback: only the proxy and its admin port follow --host. */
export const LOOPBACK = '127.0.0.1';
/** The sandbox stops quickly on Ctrl-C; `serve` keeps its longer default for real traffic. */
const SHUTDOWN_GRACE_SECONDS = 2;
/** How long the proxy may take to register with the dev oxd before the sandbox gives up. */
export const REGISTRATION_TIMEOUT_MS = 30_000;

export interface SandboxOptions {
  /** Interface of the proxy and admin listeners. */
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
  readonly oxdPort: number;
  readonly oxdSocketPort: number;
  readonly backendPort: number;
  readonly policyFile: string;
  readonly iniPath: string;
  readonly logLevel: LogLevel;
  readonly logDestination: DestinationStream;
  /** Claims the dev AS demands per scope before granting it (need_info, then claims gathering). */
  readonly claimDemands?: readonly ClaimDemand[];
}

export interface Sandbox {
  readonly proxy: RunningProxy;
  readonly oxd: DevOxd;
  readonly backend: EchoBackend;
  readonly demo: DemoPaths;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  // Read first: a broken policy is reported before any port is taken.
  const demo = demoPaths(await loadPolicy(options.policyFile));
  return startInOrder(async (started) => {
    const oxd = await withPortFlags(
      [
        { flag: '--oxd-port', port: options.oxdPort },
        { flag: '--oxd-socket-port', port: options.oxdSocketPort },
      ],
      () =>
        startDevOxd({
          host: LOOPBACK,
          restPort: options.oxdPort,
          socketPort: options.oxdSocketPort,
          claimDemands: options.claimDemands ?? [],
        }),
    );
    started(() => oxd.close());
    const backend = await startDemoBackend(options.backendPort, started);

    if (oxd.restUrl === null) throw new Error('the dev oxd started without its REST listener');
    await writeDevIni(options.iniPath, { oxdRestUrl: `${oxd.restUrl}/`, opHost: oxd.opHost });
    // A record of what an earlier sandbox registered would describe a dev oxd that is gone.
    await rm(recordFileFor(options.iniPath), { force: true });

    const proxy = await startSandboxProxy(options, { oxdConfig: options.iniPath, upstream: backend.url }, 'the dev oxd', started);
    return { proxy, oxd, backend, demo };
  });
}

/** The listeners and logging every sandbox proxy shares (`serve` itself keeps its own defaults). */
export interface SandboxProxySettings {
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
  readonly policyFile: string;
  readonly logLevel: LogLevel;
  readonly logDestination: DestinationStream;
}

type Started = (stop: () => Promise<void>) => void;

/**
 * Runs `start`, which reports each service it started through `started`; the result gets a
 * close() that stops them in reverse order. Whatever fails half-way stops what had already
 * started, so a failed start never leaves a port bound.
 */
export async function startInOrder<T extends object>(start: (started: Started) => Promise<T>): Promise<T & { close(): Promise<void> }> {
  const stack: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const stop of stack.reverse().splice(0)) await stop();
  };
  try {
    return { ...(await start((stop) => stack.push(stop))), close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function startDemoBackend(port: number, started: Started): Promise<EchoBackend> {
  const backend = await withPortFlags([{ flag: '--backend-port', port }], () => startEchoBackend({ host: LOOPBACK, port }));
  started(() => backend.close());
  return backend;
}

/** The proxy on the sandbox's ports, registered with `service` (within REGISTRATION_TIMEOUT_MS). */
export async function startSandboxProxy(settings: SandboxProxySettings, mode: StartProxyOptions, service: string, started: Started): Promise<RunningProxy> {
  const proxy = await withPortFlags(
    [
      { flag: '--port', port: settings.port },
      { flag: '--admin-port', port: settings.adminPort },
    ],
    () =>
      startProxy({
        ...mode,
        policy: settings.policyFile,
        listen: `${hostForUrl(settings.host)}:${settings.port}`,
        adminListen: `${hostForUrl(settings.host)}:${settings.adminPort}`,
        logLevel: settings.logLevel,
        logDestination: settings.logDestination,
        shutdownGrace: SHUTDOWN_GRACE_SECONDS,
      }),
  );
  started(() => proxy.close());
  await registeredWithin(proxy, REGISTRATION_TIMEOUT_MS, service);
  return proxy;
}

async function registeredWithin(proxy: RunningProxy, ms: number, service: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the proxy did not register the policy with ${service} within ${ms / 1000} s (see the log above)`));
    }, ms);
  });
  try {
    await Promise.race([proxy.registered, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
