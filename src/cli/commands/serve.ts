/**
 * `umagate serve`: the enforcement proxy. Flags > env (`UMAGATE_<NAME>`) > defaults, resolved by
 * commander; the values are validated together by resolveServeOptions. SIGHUP reloads the
 * policy; SIGTERM/SIGINT drain in-flight requests and exit 0.
 */
import type { Command } from 'commander';
import { startProxy } from '../../proxy/index.js';
import {
  DEFAULT_ADMIN_LISTEN,
  DEFAULT_CACHE_MAX,
  DEFAULT_CACHE_TTL_SECONDS,
  DEFAULT_LISTEN,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_OXD_PER_CLIENT,
  DEFAULT_PASS_CREDENTIALS,
  DEFAULT_SHUTDOWN_GRACE_SECONDS,
  DEFAULT_UPSTREAM_TIMEOUT_SECONDS,
  DEFAULT_WORKERS,
  LOG_LEVELS,
} from '../../proxy/options.js';
import type { ServeOptionsInput } from '../../proxy/options.js';
import { limitHeapGrowth } from '../../proxy/heap-growth.js';
import { reportFailure } from '../failure.js';
import { addAuthzOptions, envOption, givenOptions, oxdConfigFlag, oxdTimeoutFlag, policyFlag } from '../shared-flags.js';

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('run the UMA enforcement proxy in front of --upstream')
    .addOption(policyFlag('policy file (watched; SIGHUP reloads it)'))
    .addOption(oxdConfigFlag())
    .addOption(envOption('--upstream <url>', 'backend base URL (required), e.g. http://127.0.0.1:3000', 'UPSTREAM'))
    .addOption(envOption('--listen <host:port>', 'traffic listener', 'LISTEN', DEFAULT_LISTEN))
    .addOption(envOption('--admin-listen <host:port>', 'admin listener: /healthz, /readyz, /metrics', 'ADMIN_LISTEN', DEFAULT_ADMIN_LISTEN))
    .addOption(envOption('--pass-credentials <mode>', 'pass: forward Authorization to the backend; hide: strip it', 'PASS_CREDENTIALS', DEFAULT_PASS_CREDENTIALS).choices(['pass', 'hide']))
    .addOption(envOption('--cache-ttl <seconds>', 'longest a grant is cached (never beyond the RPT expiry)', 'CACHE_TTL', String(DEFAULT_CACHE_TTL_SECONDS)))
    .addOption(envOption('--cache-max <entries>', 'grants kept at most', 'CACHE_MAX', String(DEFAULT_CACHE_MAX)))
    .addOption(envOption('--trust-proxy <cidrs>', 'comma-separated CIDRs whose X-Forwarded-* headers are kept (default: none)', 'TRUST_PROXY'))
    .addOption(envOption('--log-level <level>', 'log level', 'LOG_LEVEL', DEFAULT_LOG_LEVEL).choices(LOG_LEVELS))
    .addOption(envOption('--upstream-ca-file <file>', 'PEM CA bundle for an https:// backend signed by a private CA (added to the public roots)', 'UPSTREAM_CA_FILE'))
    .addOption(envOption('--upstream-timeout <seconds>', 'how long the backend may take to answer (then 504)', 'UPSTREAM_TIMEOUT', String(DEFAULT_UPSTREAM_TIMEOUT_SECONDS)))
    .addOption(oxdTimeoutFlag('deadline of one oxd call (then 503)'))
    .addOption(envOption('--oxd-per-client <n>', 'oxd-bound requests one client may have waiting, with and without a token each (then 429)', 'OXD_PER_CLIENT', String(DEFAULT_OXD_PER_CLIENT)))
    .addOption(envOption('--max-connections <n>', 'client connections held at once, idle keep-alive ones included (more are closed on accept)', 'MAX_CONNECTIONS', String(DEFAULT_MAX_CONNECTIONS)))
    .addOption(envOption('--shutdown-grace <seconds>', 'how long SIGTERM waits for in-flight requests', 'SHUTDOWN_GRACE', String(DEFAULT_SHUTDOWN_GRACE_SECONDS)))
    .addOption(envOption('--workers <count>', 'traffic processes: a count, or auto for one per CPU core', 'WORKERS', DEFAULT_WORKERS));
  addAuthzOptions(command).action(async (_flags: unknown, self: Command) => {
    await serve(givenOptions(self));
  });
}

async function serve(flags: ServeOptionsInput): Promise<void> {
  limitHeapGrowth();
  let proxy;
  try {
    proxy = await startProxy(flags);
  } catch (err) {
    reportFailure(err);
    return;
  }
  const running = proxy;
  process.on('SIGHUP', () => {
    void running.reload();
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, 'draining in-flight requests');
    running.close().then(
      () => {
        process.exitCode = 0;
      },
      (err: unknown) => {
        running.logger.error({ err }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
}
