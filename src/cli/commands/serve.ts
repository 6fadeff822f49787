/**
 * `umagate serve`: the enforcement proxy. Flags > env (`UMAGATE_<NAME>`) > defaults, resolved by
 * commander; the values are validated together by resolveServeOptions. SIGHUP reloads the
 * policy; SIGTERM/SIGINT drain in-flight requests and exit 0.
 */
import { Option, type Command } from 'commander';
import { startProxy } from '../../proxy/index.js';
import {
  DEFAULT_ADMIN_LISTEN,
  DEFAULT_CACHE_MAX,
  DEFAULT_CACHE_TTL_SECONDS,
  DEFAULT_LISTEN,
  DEFAULT_LOG_LEVEL,
  DEFAULT_OXD_CONFIG,
  DEFAULT_OXD_PER_CLIENT,
  DEFAULT_OXD_TIMEOUT_SECONDS,
  DEFAULT_PASS_CREDENTIALS,
  DEFAULT_POLICY_FILE,
  DEFAULT_SHUTDOWN_GRACE_SECONDS,
  DEFAULT_UPSTREAM_TIMEOUT_SECONDS,
  LOG_LEVELS,
} from '../../proxy/options.js';
import type { ServeOptionsInput } from '../../proxy/options.js';
import { AS_DIALECTS, AUTHZ_MODES, DEFAULT_AS_TIMEOUT_SECONDS, DEFAULT_AUTHZ, DEFAULT_UMA_REALM, DEFAULT_UMA_STATE, RPT_VERIFY_MODES } from '../../proxy/uma2-options.js';
import { reportFailure } from '../failure.js';

/** An option read from the flag, else from `UMAGATE_<env>`, else `defaultValue` (serve and protect). */
export function envOption(flags: string, description: string, env: string, defaultValue?: string): Option {
  const option = new Option(flags, description).env(`UMAGATE_${env}`);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** `--authz` and direct mode's flags, shared by serve, protect and dev. */
export function addAuthzOptions(command: Command): Command {
  return command
    .addOption(envOption('--authz <mode>', 'oxd: through oxd; uma2: straight to a UMA 2.0 server (Keycloak, Janssen, …)', 'AUTHZ', DEFAULT_AUTHZ).choices(AUTHZ_MODES))
    .addOption(envOption('--issuer <url>', 'uma2: the AS issuer (discovery at issuer + /.well-known/uma2-configuration)', 'ISSUER'))
    .addOption(envOption('--uma-discovery <url>', 'uma2: the full discovery URL instead of --issuer (Janssen/Gluu layouts)', 'UMA_DISCOVERY'))
    .addOption(envOption('--client-id <id>', 'uma2: the client umagate authenticates as', 'CLIENT_ID'))
    .addOption(envOption('--client-secret-file <path>', 'uma2: file holding the client secret (or the secret itself in env: UMAGATE_CLIENT_SECRET; never a flag value)', 'CLIENT_SECRET_FILE'))
    .addOption(envOption('--as-dialect <dialect>', 'uma2: the AS dialect', 'AS_DIALECT', 'auto').choices(AS_DIALECTS))
    .addOption(envOption('--rpt-verify <mode>', 'uma2: introspect at the AS, or verify JWT RPTs locally (no revocation before exp)', 'RPT_VERIFY', 'introspect').choices(RPT_VERIFY_MODES))
    .addOption(envOption('--uma-state <file>', 'uma2: what umagate registered, keyed by issuer and client id', 'UMA_STATE', DEFAULT_UMA_STATE))
    .addOption(envOption('--uma-realm <realm>', 'uma2: realm of the WWW-Authenticate challenge', 'UMA_REALM', DEFAULT_UMA_REALM))
    .addOption(envOption('--resource-name-prefix <prefix>', 'uma2: prefix of the AS resource names umagate owns', 'RESOURCE_NAME_PREFIX'))
    .addOption(envOption('--ca-file <file>', 'uma2: extra CA bundle for the AS', 'CA_FILE'))
    .addOption(new Option('--insecure-skip-tls-verify', 'uma2: do not verify the AS certificate (off by default, logged loudly; env: UMAGATE_INSECURE_SKIP_TLS_VERIFY)'))
    .addOption(envOption('--as-timeout <seconds>', 'uma2: deadline of one AS call (then 503)', 'AS_TIMEOUT', String(DEFAULT_AS_TIMEOUT_SECONDS)))
    .addOption(new Option('--allow-http-as', 'uma2: accept a plain-HTTP AS off loopback (off by default, logged loudly; env: UMAGATE_ALLOW_HTTP_AS)'));
}

/**
 * The options the user gave (flag or environment), without commander's defaults, which
 * resolveServeOptions applies itself: that is how a flag of the other mode is told from a default.
 * Boolean switches read their environment variable here, since commander would turn any value on.
 */
export function givenOptions(command: Command): ServeOptionsInput {
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(command.opts())) {
    if (command.getOptionValueSource(key) !== 'default') given[key] = value;
  }
  const env = process.env;
  return {
    ...given,
    insecureSkipTlsVerify: (given.insecureSkipTlsVerify as boolean | undefined) ?? env.UMAGATE_INSECURE_SKIP_TLS_VERIFY,
    allowHttpAs: (given.allowHttpAs as boolean | undefined) ?? env.UMAGATE_ALLOW_HTTP_AS,
    clientSecret: env.UMAGATE_CLIENT_SECRET,
  };
}

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('run the UMA enforcement proxy in front of --upstream')
    .addOption(envOption('--policy <file>', 'policy file (watched; SIGHUP reloads it)', 'POLICY', DEFAULT_POLICY_FILE))
    .addOption(envOption('--oxd-config <file>', 'oxd-python compatible ini file', 'OXD_CONFIG', DEFAULT_OXD_CONFIG))
    .addOption(envOption('--upstream <url>', 'backend base URL (required), e.g. http://127.0.0.1:3000', 'UPSTREAM'))
    .addOption(envOption('--listen <host:port>', 'traffic listener', 'LISTEN', DEFAULT_LISTEN))
    .addOption(envOption('--admin-listen <host:port>', 'admin listener: /healthz, /readyz, /metrics', 'ADMIN_LISTEN', DEFAULT_ADMIN_LISTEN))
    .addOption(envOption('--pass-credentials <mode>', 'pass: forward Authorization to the backend; hide: strip it', 'PASS_CREDENTIALS', DEFAULT_PASS_CREDENTIALS).choices(['pass', 'hide']))
    .addOption(envOption('--cache-ttl <seconds>', 'longest a grant is cached (never beyond the RPT expiry)', 'CACHE_TTL', String(DEFAULT_CACHE_TTL_SECONDS)))
    .addOption(envOption('--cache-max <entries>', 'grants kept at most', 'CACHE_MAX', String(DEFAULT_CACHE_MAX)))
    .addOption(envOption('--trust-proxy <cidrs>', 'comma-separated CIDRs whose X-Forwarded-* headers are kept (default: none)', 'TRUST_PROXY'))
    .addOption(envOption('--log-level <level>', 'log level', 'LOG_LEVEL', DEFAULT_LOG_LEVEL).choices(LOG_LEVELS))
    .addOption(envOption('--upstream-timeout <seconds>', 'how long the backend may take to answer (then 504)', 'UPSTREAM_TIMEOUT', String(DEFAULT_UPSTREAM_TIMEOUT_SECONDS)))
    .addOption(envOption('--oxd-timeout <seconds>', 'deadline of one oxd call (then 503)', 'OXD_TIMEOUT', String(DEFAULT_OXD_TIMEOUT_SECONDS)))
    .addOption(envOption('--oxd-per-client <n>', 'oxd-bound requests one client may have waiting, with and without a token each (then 429)', 'OXD_PER_CLIENT', String(DEFAULT_OXD_PER_CLIENT)))
    .addOption(envOption('--shutdown-grace <seconds>', 'how long SIGTERM waits for in-flight requests', 'SHUTDOWN_GRACE', String(DEFAULT_SHUTDOWN_GRACE_SECONDS)));
  addAuthzOptions(command).action(async (_flags: unknown, self: Command) => {
    await serve(givenOptions(self));
  });
}

async function serve(flags: ServeOptionsInput): Promise<void> {
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
