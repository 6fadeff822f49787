/**
 * The flags several commands share, defined once — name, environment variable, default and help
 * — so `serve`, `protect`, `dev`, `explain` and `oxd` cannot drift apart. Their values are
 * checked in src/proxy/options.ts (resolveServeOptions, parseOxdTimeoutMs).
 */
import { Option } from 'commander';
import { DEFAULT_OXD_CONFIG, DEFAULT_OXD_TIMEOUT_SECONDS, DEFAULT_POLICY_FILE } from '../proxy/options.js';

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
