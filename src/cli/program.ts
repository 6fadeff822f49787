/**
 * The `umagate` command tree. main.ts runs it on the process's arguments; tests run it in-process
 * on their own, so a test about what a command prints needs no process of its own.
 */
import { Command } from 'commander';
import { registerDevCommand } from './commands/dev.js';
import { registerExplainCommand } from './commands/explain.js';
import { registerOxdCommand } from './commands/oxd.js';
import { registerProtectCommand } from './commands/protect.js';
import { registerServeCommand } from './commands/serve.js';
import { registerValidateCommand } from './commands/validate.js';
import { packageVersion } from '../version.js';

export function createProgram(): Command {
  const program = new Command('umagate')
    .description('UMA 2.0 enforcement proxy in front of any HTTP backend, backed by Gluu oxd')
    .version(packageVersion())
    .showHelpAfterError()
    .enablePositionalOptions();
  registerServeCommand(program);
  registerDevCommand(program);
  registerValidateCommand(program);
  registerExplainCommand(program);
  registerProtectCommand(program);
  registerOxdCommand(program);
  return program;
}
