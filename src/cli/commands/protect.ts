/** `umagate protect`: register the policy with oxd (or, direct mode, the AS) and exit — 0 registered/unchanged, 1 error. */
import type { Command } from 'commander';
import { reconcilePolicy, registerPolicy } from '../../proxy/index.js';
import type { OptionProblem } from '../../proxy/index.js';
import { createLogger } from '../../proxy/logger.js';
import { DEFAULT_OXD_CONFIG, DEFAULT_OXD_TIMEOUT_SECONDS, DEFAULT_POLICY_FILE, MIN_TIMEOUT_SECONDS, parseMode } from '../../proxy/options.js';
import { addAuthzOptions, envOption, givenOptions } from './serve.js';
import { reportFailure } from '../failure.js';

export function registerProtectCommand(program: Command): void {
  const command = program
    .command('protect')
    .description('register the policy with oxd, or the AS in direct mode (only what differs), and exit')
    .addOption(envOption('--policy <file>', 'policy file', 'POLICY', DEFAULT_POLICY_FILE))
    .addOption(envOption('--oxd-config <file>', 'oxd-python compatible ini file', 'OXD_CONFIG', DEFAULT_OXD_CONFIG))
    .addOption(envOption('--oxd-timeout <seconds>', 'deadline of one oxd call', 'OXD_TIMEOUT', String(DEFAULT_OXD_TIMEOUT_SECONDS)));
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
    const timeout = input.oxdTimeout ?? DEFAULT_OXD_TIMEOUT_SECONDS;
    const seconds = Number(timeout);
    if (uma2 === null && (!Number.isFinite(seconds) || seconds < MIN_TIMEOUT_SECONDS)) {
      problems.push({ option: '--oxd-timeout', message: `"${String(timeout)}" is not a number >= ${MIN_TIMEOUT_SECONDS}` });
    }
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
    const outcome = await registerPolicy({ policyFile, oxdConfig: input.oxdConfig ?? DEFAULT_OXD_CONFIG, oxdTimeoutMs: Math.round(seconds * 1000), logger });
    const what = outcome.result === 'registered' ? `registered ${outcome.resources} resource(s)` : 'unchanged (oxd already holds this set)';
    process.stdout.write(`${policyFile}: ${what}; oxd id ${outcome.oxdId ?? '(none)'}\n`);
  } catch (err) {
    reportFailure(err);
  }
}
