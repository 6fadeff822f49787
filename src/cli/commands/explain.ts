import type { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this command.
export function registerExplainCommand(program: Command): void {
  program.command('explain').description('(not yet implemented)');
}
