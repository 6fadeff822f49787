import type { Command } from 'commander';

// PLACEHOLDER — replaced by the owner of this command.
export function registerOxdCommand(program: Command): void {
  program.command('oxd').description('(not yet implemented)');
}
