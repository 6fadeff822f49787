import type { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this command.
export function registerServeCommand(program: Command): void {
  program.command('serve').description('(not yet implemented)');
}
