/**
 * What `umagate dev` runs once its flags are parsed (dev.ts): the sandbox in either mode, its
 * walkthrough, and stopping on signals. Imported only when `dev` runs.
 */
import { pino, type DestinationStream } from 'pino';
import { errorMessage } from '../../errors.js';
import { cliInvocation } from '../../sandbox/cli-invocation.js';
import { DEV_INI_PATH } from '../../sandbox/dev-ini.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { renderDirectWalkthrough, renderWalkthrough } from '../../sandbox/walkthrough.js';
import { DEV_AS_CLIENTS_PATH, startDirectSandbox } from '../../sandbox/direct-sandbox.js';
import { failureText } from '../failure.js';
import type { DevFlags } from './dev.js';

/** A sandbox that listens, and its walkthrough (rendered once the start succeeded). */
interface Started {
  readonly sandbox: Pick<Sandbox, 'close' | 'proxy'>;
  readonly walkthrough: () => string;
}

export async function runDev(flags: DevFlags): Promise<void> {
  const logDestination = pino.destination({ fd: 2, sync: true });
  let started: Started;
  try {
    started = flags.authz === 'uma2' ? await startDirectDev(flags, logDestination) : await startOxdDev(flags, logDestination);
  } catch (error) {
    process.stderr.write(`${failureMessage(error)}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(started.walkthrough());
  stopOnSignals(started.sandbox);
}

/** `umagate dev`: the dev oxd, and the walkthrough through it. */
async function startOxdDev(flags: DevFlags, logDestination: DestinationStream): Promise<Started> {
  const { policy, demandClaim, authz: _authz, asPort: _asPort, asDialect: _asDialect, ...settings } = flags;
  const sandbox = await startSandbox({ ...settings, claimDemands: demandClaim, policyFile: policy, iniPath: DEV_INI_PATH, logDestination });
  const { proxy, oxd, backend, demo } = sandbox;
  const socket = oxd.socketAddress === null ? null : `${oxd.socketAddress.host}:${oxd.socketAddress.port}`;
  const walkthrough = (): string =>
    renderWalkthrough({
      proxyUrl: reachableUrl(proxy.url),
      adminUrl: reachableUrl(proxy.adminUrl),
      backendUrl: backend.url,
      oxdRestUrl: oxd.restUrl ?? '',
      oxdSocket: socket,
      opHost: oxd.opHost,
      claimDemands: flags.demandClaim,
      cli: cliInvocation({ script: process.argv[1] ?? '', cwd: process.cwd(), path: process.env.PATH ?? '' }),
      iniPath: DEV_INI_PATH,
      policyFile: flags.policy,
      ...demo,
    });
  return { sandbox, walkthrough };
}

/** `umagate dev --authz uma2`: the dev UMA 2.0 AS instead of the dev oxd, and the plain-curl walkthrough. */
async function startDirectDev(flags: DevFlags, logDestination: DestinationStream): Promise<Started> {
  const sandbox = await startDirectSandbox({
    host: flags.host,
    port: flags.port,
    adminPort: flags.adminPort,
    asPort: flags.asPort,
    dialect: flags.asDialect,
    backendPort: flags.backendPort,
    policyFile: flags.policy,
    clientsPath: DEV_AS_CLIENTS_PATH,
    logLevel: flags.logLevel,
    logDestination,
  });
  const { proxy, as, backend, demo } = sandbox;
  const walkthrough = (): string =>
    renderDirectWalkthrough({
      proxyUrl: reachableUrl(proxy.url),
      adminUrl: reachableUrl(proxy.adminUrl),
      backendUrl: backend.url,
      issuer: as.issuer,
      dialect: as.dialect,
      tokenEndpoint: sandbox.tokenEndpoint,
      requestingParty: sandbox.requestingParty,
      clientFile: DEV_AS_CLIENTS_PATH,
      policyFile: flags.policy,
      ...demo,
    });
  return { sandbox, walkthrough };
}

/**
 * What went wrong in words, never a stack trace (the details are in the log lines above it): the
 * sandbox is for trying umagate out, so even an unexpected failure is a sentence here.
 */
function failureMessage(error: unknown): string {
  return `umagate dev: ${failureText(error) ?? errorMessage(error)}`;
}

/** A wildcard bind address is not somewhere to send a request: use loopback instead. */
function reachableUrl(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
}

function stopOnSignals(sandbox: Pick<Sandbox, 'close' | 'proxy'>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`umagate dev: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`umagate dev: ${signal} received, stopping\n`);
    sandbox.close().catch((error: unknown) => {
      process.stderr.write(`${failureMessage(error)}\n`);
      process.exitCode = 1;
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => void sandbox.proxy.reload());
}
