/** `umagate validate [FILE]`: every problem with its location, or a one-line summary. */
import type { Command } from 'commander';
import { PolicyError, formatProblem, loadPolicy } from '../../policy/index.js';
import type { Policy } from '../../policy/index.js';
import { DEFAULT_POLICY_FILE } from '../../proxy/options.js';

function summary(file: string, policy: Policy): string {
  const total = policy.resources.length;
  const publicCount = policy.resources.filter((r) => r.kind === 'public').length;
  const resources = `${total} resource${total === 1 ? '' : 's'}`;
  return `${file}: valid — ${resources} (${total - publicCount} protected, ${publicCount} public), unprotected: ${policy.unprotected}`;
}

/** Prints a policy failure on stderr: each problem on its own line, or why the file is unreadable. */
export function printPolicyError(err: PolicyError): void {
  if (err.problems.length === 0) {
    process.stderr.write(`${err.message}\n`);
    return;
  }
  for (const problem of err.problems) process.stderr.write(`${formatProblem(problem)}\n`);
  process.stderr.write(`${err.message}\n`);
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a policy file and list every problem with its line:column')
    .argument('[file]', 'policy file', DEFAULT_POLICY_FILE)
    .action(async (file: string) => {
      try {
        const policy = await loadPolicy(file);
        process.stdout.write(`${summary(file, policy)}\n`);
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err;
        printPolicyError(err);
        process.exitCode = 1;
      }
    });
}
