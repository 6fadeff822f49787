#!/usr/bin/env node
/**
 * The `umagate` command: a thin shell over the library. Each subcommand lives in its own file
 * under `commands/` and only parses arguments, calls the library and sets the exit code.
 */
import { createProgram } from './program.js';

await createProgram().parseAsync(process.argv);
