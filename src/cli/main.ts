#!/usr/bin/env node
/**
 * The `umagate` command: a thin shell over the library. Each subcommand lives in its own file
 * under `commands/` and only parses arguments, calls the library and sets the exit code.
 */
import { Command } from 'commander';
import { registerDevCommand } from './commands/dev.js';
import { registerExplainCommand } from './commands/explain.js';
import { registerOxdCommand } from './commands/oxd.js';
import { registerProtectCommand } from './commands/protect.js';
import { registerServeCommand } from './commands/serve.js';
import { registerValidateCommand } from './commands/validate.js';
import { packageVersion } from '../version.js';

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

await program.parseAsync(process.argv);
