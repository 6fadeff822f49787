import type { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this command.
export function registerDevCommand(program: Command): void {
  program.command('dev').description('(not yet implemented)');
}
