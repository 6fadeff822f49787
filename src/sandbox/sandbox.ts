/**
 * The dev sandbox: the embedded dev oxd, the demo echo backend and the proxy in front of it,
 * wired together through a dev ini, started in that order and stopped in reverse. Whatever fails
 * half-way stops what had already started, so a failed start never leaves a port bound.
 */
import { rm } from 'node:fs/promises';
import type { DestinationStream } from 'pino';
import { startDevOxd, type DevOxd } from '../devoxd/index.js';
import { loadPolicy } from '../policy/index.js';
import { recordFileFor, startProxy, type LogLevel, type RunningProxy } from '../proxy/index.js';
import { demoPaths, type DemoPaths } from './demo-paths.js';
import { writeDevIni } from './dev-ini.js';
import { hostForUrl, startEchoBackend, type EchoBackend } from './echo-backend.js';
import { withPortFlags } from './port-in-use.js';

/** Every supporting service stays on loopback: only the proxy and its admin port follow --host. */
export const LOOPBACK = '127.0.0.1';
/** The sandbox stops quickly on Ctrl-C; `serve` keeps its longer default for real traffic. */
export const SHUTDOWN_GRACE_SECONDS = 2;
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
  const stack: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const stop of stack.reverse().splice(0)) await stop();
  };
  try {
    const oxd = await withPortFlags(
      [
        { flag: '--oxd-port', port: options.oxdPort },
        { flag: '--oxd-socket-port', port: options.oxdSocketPort },
      ],
      () => startDevOxd({ host: LOOPBACK, restPort: options.oxdPort, socketPort: options.oxdSocketPort }),
    );
    stack.push(() => oxd.close());
    const backend = await withPortFlags([{ flag: '--backend-port', port: options.backendPort }], () =>
      startEchoBackend({ host: LOOPBACK, port: options.backendPort }),
    );
    stack.push(() => backend.close());

    if (oxd.restUrl === null) throw new Error('the dev oxd started without its REST listener');
    await writeDevIni(options.iniPath, { oxdRestUrl: `${oxd.restUrl}/`, opHost: oxd.opHost });
    // A record of what an earlier sandbox registered would describe a dev oxd that is gone.
    await rm(recordFileFor(options.iniPath), { force: true });

    const proxy = await withPortFlags(
      [
        { flag: '--port', port: options.port },
        { flag: '--admin-port', port: options.adminPort },
      ],
      () =>
        startProxy({
          policy: options.policyFile,
          oxdConfig: options.iniPath,
          upstream: backend.url,
          listen: `${hostForUrl(options.host)}:${options.port}`,
          adminListen: `${hostForUrl(options.host)}:${options.adminPort}`,
          logLevel: options.logLevel,
          logDestination: options.logDestination,
          shutdownGrace: SHUTDOWN_GRACE_SECONDS,
        }),
    );
    stack.push(() => proxy.close());
    await registeredWithin(proxy, REGISTRATION_TIMEOUT_MS);
    return { proxy, oxd, backend, demo, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function registeredWithin(proxy: RunningProxy, ms: number, service = 'the dev oxd'): Promise<void> {
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
