/**
 * What `umagate dev` runs once its flags are parsed (dev.ts): the sandbox in either mode, its
 * walkthrough, and stopping on signals. Imported only when `dev` runs.
 */
import { pino } from 'pino';
import { errorMessage } from '../../errors.js';
import { cliInvocation } from '../../sandbox/cli-invocation.js';
import { DEV_INI_PATH } from '../../sandbox/dev-ini.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { renderDirectWalkthrough, renderWalkthrough } from '../../sandbox/walkthrough.js';
import { DEV_AS_CLIENTS_PATH, startDirectSandbox, type DirectSandbox } from '../../sandbox/direct-sandbox.js';
import { failureText } from '../failure.js';
import type { DevFlags } from './dev.js';

export async function runDev(flags: DevFlags): Promise<void> {
  if (flags.authz === 'uma2') {
    await runDirectDev(flags);
    return;
  }
  let sandbox: Sandbox;
  try {
    const { policy, demandClaim, authz: _authz, asPort: _asPort, asDialect: _asDialect, ...settings } = flags;
    sandbox = await startSandbox({
      ...settings,
      claimDemands: demandClaim,
      policyFile: policy,
      iniPath: DEV_INI_PATH,
      logDestination: pino.destination({ fd: 2, sync: true }),
    });
  } catch (error) {
    process.stderr.write(`${failureMessage(error)}\n`);
    process.exitCode = 1;
    return;
  }
  const { proxy, oxd, backend, demo } = sandbox;
  const socket = oxd.socketAddress === null ? null : `${oxd.socketAddress.host}:${oxd.socketAddress.port}`;
  process.stdout.write(
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
    }),
  );
  stopOnSignals(sandbox);
}

/** `umagate dev --authz uma2`: the dev UMA 2.0 AS instead of the dev oxd, and the plain-curl walkthrough. */
async function runDirectDev(flags: DevFlags): Promise<void> {
  let sandbox: DirectSandbox;
  try {
    sandbox = await startDirectSandbox({
      host: flags.host,
      port: flags.port,
      adminPort: flags.adminPort,
      asPort: flags.asPort,
      dialect: flags.asDialect,
      backendPort: flags.backendPort,
      policyFile: flags.policy,
      clientsPath: DEV_AS_CLIENTS_PATH,
      logLevel: flags.logLevel,
      logDestination: pino.destination({ fd: 2, sync: true }),
    });
  } catch (error) {
    process.stderr.write(`${failureMessage(error)}\n`);
    process.exitCode = 1;
    return;
  }
  const { proxy, as, backend, demo } = sandbox;
  process.stdout.write(
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
    }),
  );
  stopOnSignals(sandbox);
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
