/**
 * `umagate dev` (what `npm start` runs): the dev sandbox — embedded dev oxd, demo echo backend
 * and the proxy with policies.yaml — then a walkthrough to paste. The walkthrough goes to stdout,
 * logs to stderr, so either can be redirected on its own.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { pino } from 'pino';
import { LOG_LEVELS } from '../../proxy/options.js';
import { cliInvocation } from '../../sandbox/cli-invocation.js';
import { DEV_INI_PATH } from '../../sandbox/dev-ini.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/sandbox.js';
import { renderWalkthrough } from '../../sandbox/walkthrough.js';
import { errorMessage } from '../../errors.js';
import { failureText } from '../failure.js';
import { policyFlag } from '../shared-flags.js';

/**
 * The proxy and admin ports of `serve`, oxd 3.1.x's own socket port, and for REST a port near
 * oxd 4.x's 8443 that is rarely taken on a workstation.
 */
const DEV_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  adminPort: 9090,
  oxdPort: 8553,
  oxdSocketPort: 8099,
  backendPort: 0,
  logLevel: 'info',
} as const;

/** The flags are the sandbox's own settings, but for the policy's name and what dev fixes itself. */
type DevFlags = Pick<SandboxOptions, 'host' | 'port' | 'adminPort' | 'oxdPort' | 'oxdSocketPort' | 'backendPort' | 'logLevel'> & {
  readonly policy: string;
};

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError('a port is an integer from 0 to 65535 (0 picks a free port)');
  return port;
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('try umagate out: dev oxd + demo backend + proxy with policies.yaml, then a walkthrough (not for production)')
    .option('--host <address>', 'interface of the proxy and admin listeners', DEV_DEFAULTS.host)
    .option('--port <port>', 'proxy port (0 = any free port)', parsePort, DEV_DEFAULTS.port)
    .option('--admin-port <port>', 'admin port: /healthz, /readyz, /metrics', parsePort, DEV_DEFAULTS.adminPort)
    .option('--oxd-port <port>', 'dev oxd REST port (oxd 4.x API)', parsePort, DEV_DEFAULTS.oxdPort)
    .option('--oxd-socket-port <port>', 'dev oxd socket port (oxd 3.1.x protocol)', parsePort, DEV_DEFAULTS.oxdSocketPort)
    .option('--backend-port <port>', 'demo echo backend port', parsePort, DEV_DEFAULTS.backendPort)
    .addOption(policyFlag())
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices(LOG_LEVELS).default(DEV_DEFAULTS.logLevel))
    .action(async (flags: DevFlags) => {
      await runDev(flags);
    });
}

async function runDev(flags: DevFlags): Promise<void> {
  let sandbox: Sandbox;
  try {
    const { policy, ...settings } = flags;
    sandbox = await startSandbox({
      ...settings,
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
      cli: cliInvocation({ script: process.argv[1] ?? '', cwd: process.cwd(), path: process.env.PATH ?? '' }),
      iniPath: DEV_INI_PATH,
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

function stopOnSignals(sandbox: Sandbox): void {
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
