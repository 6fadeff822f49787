/** `umagate protect`: register the policy with oxd and exit — 0 registered/unchanged, 1 error. */
import type { Command } from 'commander';
import { registerPolicy } from '../../proxy/index.js';
import { createLogger } from '../../proxy/logger.js';
import type { OptionProblem } from '../../proxy/errors.js';
import { parseOxdTimeoutMs } from '../../proxy/options.js';
import { reportFailure } from '../failure.js';
import { oxdConfigFlag, oxdTimeoutFlag, policyFlag } from '../shared-flags.js';

interface ProtectFlags {
  readonly policy: string;
  readonly oxdConfig: string;
  readonly oxdTimeout: string;
}

export function registerProtectCommand(program: Command): void {
  program
    .command('protect')
    .description('register the policy with oxd (only when it differs from what oxd holds) and exit')
    .addOption(policyFlag())
    .addOption(oxdConfigFlag())
    .addOption(oxdTimeoutFlag())
    .action(async (flags: ProtectFlags) => {
      const problems: OptionProblem[] = [];
      const oxdTimeoutMs = parseOxdTimeoutMs(flags.oxdTimeout, (option, message) => problems.push({ option, message }));
      if (problems.length > 0) {
        for (const { option, message } of problems) process.stderr.write(`${option}: ${message}\n`);
        process.exitCode = 1;
        return;
      }
      try {
        const outcome = await registerPolicy({
          policyFile: flags.policy,
          oxdConfig: flags.oxdConfig,
          oxdTimeoutMs,
          logger: createLogger('warn', process.stderr),
        });
        const what = outcome.result === 'registered' ? `registered ${outcome.resources} resource(s)` : 'unchanged (oxd already holds this set)';
        process.stdout.write(`${flags.policy}: ${what}; oxd id ${outcome.oxdId ?? '(none)'}\n`);
      } catch (err) {
        reportFailure(err);
      }
    });
}
