/**
 * The flags several commands share, defined once — name, environment variable, default and help
 * — so `serve`, `protect`, `dev`, `explain` and `oxd` cannot drift apart. Their values are
 * checked in src/proxy/options.ts (resolveServeOptions, parseOxdTimeoutMs).
 */
import { Option, type Command } from 'commander';
import { DEFAULT_OXD_CONFIG, DEFAULT_OXD_TIMEOUT_SECONDS, DEFAULT_POLICY_FILE, type ServeOptionsInput } from '../proxy/options.js';
import { AS_DIALECTS, AUTHZ_MODES, DEFAULT_AS_TIMEOUT_SECONDS, DEFAULT_AUTHZ, DEFAULT_UMA_REALM, DEFAULT_UMA_STATE, RPT_VERIFY_MODES } from '../proxy/uma2-options.js';

/** An option read from the flag, else from `UMAGATE_<env>`, else `defaultValue`. */
export function envOption(flags: string, description: string, env: string, defaultValue?: string): Option {
  const option = new Option(flags, description).env(`UMAGATE_${env}`);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** `--policy <file>` (env UMAGATE_POLICY, default policies.yaml). */
export function policyFlag(description = 'policy file'): Option {
  return envOption('--policy <file>', description, 'POLICY', DEFAULT_POLICY_FILE);
}

/** `--oxd-config <file>` (env UMAGATE_OXD_CONFIG, default umagate.cfg). */
export function oxdConfigFlag(description = 'oxd-python compatible ini file'): Option {
  return envOption('--oxd-config <file>', description, 'OXD_CONFIG', DEFAULT_OXD_CONFIG);
}

/** `--oxd-timeout <seconds>` (env UMAGATE_OXD_TIMEOUT, default 5). */
export function oxdTimeoutFlag(description = 'deadline of one oxd call'): Option {
  return envOption('--oxd-timeout <seconds>', description, 'OXD_TIMEOUT', String(DEFAULT_OXD_TIMEOUT_SECONDS));
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
