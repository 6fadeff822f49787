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
  DEFAULT_OXD_PER_CLIENT,
  DEFAULT_PASS_CREDENTIALS,
  DEFAULT_SHUTDOWN_GRACE_SECONDS,
  DEFAULT_UPSTREAM_TIMEOUT_SECONDS,
  LOG_LEVELS,
} from '../../proxy/options.js';
import { reportFailure } from '../failure.js';
import { envOption, oxdConfigFlag, oxdTimeoutFlag, policyFlag } from '../shared-flags.js';

interface ServeFlags {
  readonly policy: string;
  readonly oxdConfig: string;
  readonly upstream?: string;
  readonly listen: string;
  readonly adminListen: string;
  readonly passCredentials: string;
  readonly cacheTtl: string;
  readonly cacheMax: string;
  readonly trustProxy?: string;
  readonly logLevel: string;
  readonly upstreamTimeout: string;
  readonly oxdTimeout: string;
  readonly oxdPerClient: string;
  readonly shutdownGrace: string;
}

export function registerServeCommand(program: Command): void {
  program
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
    .addOption(envOption('--upstream-timeout <seconds>', 'how long the backend may take to answer (then 504)', 'UPSTREAM_TIMEOUT', String(DEFAULT_UPSTREAM_TIMEOUT_SECONDS)))
    .addOption(oxdTimeoutFlag('deadline of one oxd call (then 503)'))
    .addOption(envOption('--oxd-per-client <n>', 'oxd-bound requests one client may have waiting, with and without a token each (then 429)', 'OXD_PER_CLIENT', String(DEFAULT_OXD_PER_CLIENT)))
    .addOption(envOption('--shutdown-grace <seconds>', 'how long SIGTERM waits for in-flight requests', 'SHUTDOWN_GRACE', String(DEFAULT_SHUTDOWN_GRACE_SECONDS)))
    .action(async (flags: ServeFlags) => {
      await serve(flags);
    });
}

async function serve(flags: ServeFlags): Promise<void> {
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
