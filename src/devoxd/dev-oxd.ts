/**
 * Starts the dev oxd: one in-memory authorization server, one dispatcher, and a listener per
 * wire protocol asked for. For tests and the dev sandbox only, never for production.
 */
import type { Server } from 'node:net';
import { AuthorizationServer, tokenControls } from './authorization-server.js';
import { DEFAULT_DEMANDED_CLAIM } from './claim-demands.js';
import { Dispatcher } from './dispatcher.js';
import { FaultTable } from './faults.js';
import { createHttpServer } from './http-server.js';
import { Listener } from './listener.js';
import { createSocketServer } from './socket-server.js';
import type { DevOxd, DevOxdFault, DevOxdOptions } from './types.js';

/** Defaults of the dev oxd, named so tests and docs can refer to them. */
export const DEFAULT_DEV_OP_HOST = 'https://op.dev-oxd.test';
export const DEFAULT_RPT_LIFETIME_SECONDS = 3600;
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
/** Calls kept in `calls`: enough for any test's assertions, bounded for long benchmarks. */
export const DEFAULT_CALL_LOG_LIMIT = 10_000;

function checkPositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`"${name}" option must be a positive number of seconds`);
  return value;
}

function checkCallLogLimit(value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError('"callLogLimit" option must be a positive integer');
  return value;
}

export async function startDevOxd(options: DevOxdOptions = {}): Promise<DevOxd> {
  const host = options.host ?? '127.0.0.1';
  const as = new AuthorizationServer({
    opHost: options.opHost ?? DEFAULT_DEV_OP_HOST,
    now: options.now ?? Date.now,
    tokenLifetimeSeconds: checkPositive('tokenLifetimeSeconds', options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
    rptLifetimeSeconds: checkPositive('rptLifetimeSeconds', options.rptLifetimeSeconds ?? DEFAULT_RPT_LIFETIME_SECONDS),
    jwtRpts: options.jwtRpts ?? false,
    grantingRptPrefix: options.grantingRptPrefix,
  });
  for (const scope of options.claimsRequiredFor ?? []) as.demandClaim(scope, DEFAULT_DEMANDED_CLAIM);
  for (const { scope, claim } of options.claimDemands ?? []) as.demandClaim(scope, claim);
  const faults = new FaultTable<DevOxdFault>();
  const dispatcher = new Dispatcher({
    as,
    faults,
    // oxd 3.1.x ships with protection off, oxd 4.x with it on.
    protect: {
      socket: options.protectCommands?.socket ?? false,
      'https-extension': options.protectCommands?.httpsExtension ?? false,
      rest: options.protectCommands?.rest ?? true,
    },
    callLogLimit: checkCallLogLimit(options.callLogLimit ?? DEFAULT_CALL_LOG_LIMIT),
  });
  const listener = (port: number | null | undefined, create: () => Server): Listener | null =>
    port === null || port === undefined ? null : new Listener(create(), host, port);
  const socket = listener(options.socketPort === undefined ? 0 : options.socketPort, () => createSocketServer(dispatcher));
  const rest = listener(options.restPort === undefined ? 0 : options.restPort, () => createHttpServer('rest', dispatcher, as, options.tls));
  const extension = listener(options.httpsExtensionPort, () => createHttpServer('https-extension', dispatcher, as, options.tls));
  const listeners = [socket, rest, extension].filter((l) => l !== null);
  const startAll = async (): Promise<void> => {
    await Promise.all(listeners.map((l) => l.start()));
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(listeners.map((l) => l.stop()));
  };
  try {
    await startAll();
  } catch (error) {
    await stopAll();
    throw error;
  }
  const scheme = options.tls === undefined ? 'http' : 'https';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = (l: Listener | null): string | null => (l === null ? null : `${scheme}://${urlHost}:${l.port}`);
  // Unless told otherwise, the AS's issuer is where its pages are served: an HTTP listener.
  if (options.opHost === undefined) as.opHost = url(rest) ?? url(extension) ?? DEFAULT_DEV_OP_HOST;
  options.logger?.info({ socket: socket?.port, rest: url(rest), httpsExtension: url(extension) }, 'dev oxd listening (not for production)');
  let closed = false;
  return {
    socketAddress: socket === null ? null : { host, port: socket.port },
    restUrl: url(rest),
    httpsExtensionUrl: url(extension),
    opHost: as.opHost,
    faults: {
      add: (rule) => {
        faults.add(rule.command, rule.fault, rule.times);
      },
      clear: () => {
        faults.clear();
      },
    },
    calls: dispatcher.calls,
    count: (command) => dispatcher.count(command),
    ...tokenControls(as),
    wipe: () => {
      as.reset();
    },
    stop: stopAll,
    start: async () => {
      if (closed) throw new Error('the dev oxd was closed; start a new one with startDevOxd()');
      await startAll();
    },
    close: async () => {
      closed = true;
      await stopAll();
    },
  };
}
