/** `umagate protect`: register the policy with oxd and exit — 0 registered/unchanged, 1 error. */
import type { Command } from 'commander';
import { registerPolicy } from '../../proxy/index.js';
import { createLogger } from '../../proxy/logger.js';
import { DEFAULT_OXD_CONFIG, DEFAULT_OXD_TIMEOUT_SECONDS, DEFAULT_POLICY_FILE, MIN_TIMEOUT_SECONDS } from '../../proxy/options.js';
import { envOption } from './serve.js';
import { reportFailure } from '../failure.js';

interface ProtectFlags {
  readonly policy: string;
  readonly oxdConfig: string;
  readonly oxdTimeout: string;
}

export function registerProtectCommand(program: Command): void {
  program
    .command('protect')
    .description('register the policy with oxd (only when it differs from what oxd holds) and exit')
    .addOption(envOption('--policy <file>', 'policy file', 'POLICY', DEFAULT_POLICY_FILE))
    .addOption(envOption('--oxd-config <file>', 'oxd-python compatible ini file', 'OXD_CONFIG', DEFAULT_OXD_CONFIG))
    .addOption(envOption('--oxd-timeout <seconds>', 'deadline of one oxd call', 'OXD_TIMEOUT', String(DEFAULT_OXD_TIMEOUT_SECONDS)))
    .action(async (flags: ProtectFlags) => {
      const seconds = Number(flags.oxdTimeout);
      if (!Number.isFinite(seconds) || seconds < MIN_TIMEOUT_SECONDS) {
        process.stderr.write(`--oxd-timeout: "${flags.oxdTimeout}" is not a number >= ${MIN_TIMEOUT_SECONDS}\n`);
        process.exitCode = 1;
        return;
      }
      try {
        const outcome = await registerPolicy({
          policyFile: flags.policy,
          oxdConfig: flags.oxdConfig,
          oxdTimeoutMs: Math.round(seconds * 1000),
          logger: createLogger('warn', process.stderr),
        });
        const what = outcome.result === 'registered' ? `registered ${outcome.resources} resource(s)` : 'unchanged (oxd already holds this set)';
        process.stdout.write(`${flags.policy}: ${what}; oxd id ${outcome.oxdId ?? '(none)'}\n`);
      } catch (err) {
        reportFailure(err);
      }
    });
}
