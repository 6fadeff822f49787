/**
 * `umagate dev` (what `npm start` runs): the dev sandbox — embedded dev oxd, demo echo backend
 * and the proxy with policies.yaml — then a walkthrough to paste. The walkthrough goes to stdout,
 * logs to stderr, so either can be redirected on its own.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseClaimDemand, type ClaimDemand } from '../../devoxd/claim-demands.js';
import { LOG_LEVELS } from '../../proxy/options.js';
import type { DevAsDialect } from '../../devas/index.js';
import { AUTHZ_MODES, type AuthzMode } from '../../proxy/uma2-options.js';
import { errorMessage } from '../../errors.js';
import type { SandboxOptions } from '../../sandbox/sandbox.js';
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
  // Beside Keycloak's usual 8080, as local Keycloak set-ups often run it.
  asPort: 8180,
  asDialect: 'keycloak',
  authz: 'oxd',
  backendPort: 0,
  logLevel: 'info',
} as const;

/** The flags are the sandbox's own settings, but for the policy's name and what dev fixes itself. */
export type DevFlags = Pick<SandboxOptions, 'host' | 'port' | 'adminPort' | 'oxdPort' | 'oxdSocketPort' | 'backendPort' | 'logLevel'> & {
  readonly policy: string;
  readonly demandClaim: readonly ClaimDemand[];
  readonly authz: AuthzMode;
  readonly asPort: number;
  readonly asDialect: DevAsDialect;
};

/** Repeatable `--demand-claim SCOPE=CLAIM`. */
function collectClaimDemand(value: string, previous: readonly ClaimDemand[]): readonly ClaimDemand[] {
  try {
    return [...previous, parseClaimDemand(value)];
  } catch (error) {
    throw new InvalidArgumentError(errorMessage(error));
  }
}

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
    .addOption(new Option('--authz <mode>', 'oxd: the dev oxd; uma2: the dev UMA 2.0 AS, spoken to directly').choices(AUTHZ_MODES).env('UMAGATE_AUTHZ').default(DEV_DEFAULTS.authz))
    .option('--as-port <port>', 'uma2: dev AS port', parsePort, DEV_DEFAULTS.asPort)
    .addOption(new Option('--as-dialect <dialect>', 'uma2: which AS the dev AS behaves like').choices(['keycloak', 'janssen', 'strict']).default(DEV_DEFAULTS.asDialect))
    .addOption(policyFlag())
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices(LOG_LEVELS).default(DEV_DEFAULTS.logLevel))
    .option(
      '--demand-claim <scope=claim>',
      'the dev AS grants SCOPE only once CLAIM is known (need_info, then its claims-gathering page); repeatable',
      collectClaimDemand,
      [],
    )
    .action(async (flags: DevFlags) => {
      // Loaded here, not at the top: every other command, `serve` first, would otherwise carry
      // the dev oxd, the dev AS and the sandbox in its memory without ever running them.
      const { runDev } = await import('./dev-run.js');
      await runDev(flags);
    });
}
