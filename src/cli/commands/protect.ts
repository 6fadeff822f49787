import type { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this command.
export function registerProtectCommand(program: Command): void {
  program.command('protect').description('(not yet implemented)');
}
