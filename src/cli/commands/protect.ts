/** `umagate protect`: register the policy with oxd (or, direct mode, the AS) and exit — 0 registered/unchanged, 1 error. */
import type { Command } from 'commander';
import { reconcilePolicy, registerPolicy } from '../../proxy/index.js';
import type { OptionProblem } from '../../proxy/index.js';
import { createLogger } from '../../proxy/logger.js';
import { DEFAULT_OXD_CONFIG, DEFAULT_POLICY_FILE, parseMode, parseOxdTimeoutMs } from '../../proxy/options.js';
import { reportFailure } from '../failure.js';
import { addAuthzOptions, givenOptions, oxdConfigFlag, oxdTimeoutFlag, policyFlag } from '../shared-flags.js';

export function registerProtectCommand(program: Command): void {
  const command = program
    .command('protect')
    .description('register the policy with oxd, or the AS in direct mode (only what differs), and exit')
    .addOption(policyFlag())
    .addOption(oxdConfigFlag())
    .addOption(oxdTimeoutFlag());
  addAuthzOptions(command).action(async (_flags: unknown, self: Command) => {
    await protect(givenOptions(self));
  });
}

async function protect(input: ReturnType<typeof givenOptions>): Promise<void> {
  const policyFile = input.policy ?? DEFAULT_POLICY_FILE;
  const logger = createLogger('warn', process.stderr);
  try {
    const problems: OptionProblem[] = [];
    const { uma2 } = parseMode(input, (option, message) => problems.push({ option, message }));
    const oxdTimeoutMs = uma2 === null ? parseOxdTimeoutMs(input.oxdTimeout, (option, message) => problems.push({ option, message })) : 0;
    if (problems.length > 0) {
      process.stderr.write(problems.map((p) => `${p.option}: ${p.message}\n`).join(''));
      process.exitCode = 1;
      return;
    }
    if (uma2 !== null) {
      const outcome = await reconcilePolicy({ policyFile, uma2, logger });
      const what = outcome.result === 'registered' ? `reconciled ${outcome.resources} resource(s)` : 'unchanged (the AS already holds this set)';
      process.stdout.write(`${policyFile}: ${what}; AS ${outcome.issuer}\n`);
      return;
    }
    const outcome = await registerPolicy({ policyFile, oxdConfig: input.oxdConfig ?? DEFAULT_OXD_CONFIG, oxdTimeoutMs, logger });
    const what = outcome.result === 'registered' ? `registered ${outcome.resources} resource(s)` : 'unchanged (oxd already holds this set)';
    process.stdout.write(`${policyFile}: ${what}; oxd id ${outcome.oxdId ?? '(none)'}\n`);
  } catch (err) {
    reportFailure(err);
  }
}
