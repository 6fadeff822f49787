import type { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this command.
export function registerValidateCommand(program: Command): void {
  program.command('validate').description('(not yet implemented)');
}
