/** `umagate validate [FILE]`: every problem with its location, or a one-line summary. */
import type { Command } from 'commander';
import { formatProblem, loadPolicy } from '../../policy/index.js';
import type { Policy } from '../../policy/index.js';
import { DEFAULT_POLICY_FILE } from '../../proxy/options.js';
import { reportFailure } from '../failure.js';

function summary(file: string, policy: Policy): string {
  const total = policy.resources.length;
  const publicCount = policy.resources.filter((r) => r.kind === 'public').length;
  const resources = `${total} resource${total === 1 ? '' : 's'}`;
  return `${file}: valid — ${resources} (${total - publicCount} protected, ${publicCount} public), unprotected: ${policy.unprotected}`;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a policy file and list every problem with its line:column')
    .argument('[file]', 'policy file', DEFAULT_POLICY_FILE)
    .action(async (file: string) => {
      try {
        const policy = await loadPolicy(file);
        // Warnings do not fail validation: the policy is valid, but maybe not what was meant.
        for (const warning of policy.warnings) process.stderr.write(`${formatProblem({ ...warning, message: `warning: ${warning.message}` })}\n`);
        process.stdout.write(`${summary(file, policy)}\n`);
      } catch (err) {
        reportFailure(err);
      }
    });
}
