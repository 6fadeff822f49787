#!/usr/bin/env node
/**
 * `node scripts/mutation-static.mjs NAME…`: tests the static mutants Stryker skipped for these
 * scopes (mutants in module-level constants, which its vitest runner cannot switch per test; see
 * stryker.config.mjs). Reads reports/mutation/NAME.json from a `npm run test:mutation` run,
 * applies each skipped mutant in turn to a copy of the repository and runs the scope's tests in
 * a fresh vitest process. Prints each mutant that no test noticed; exits 1 if there is one.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import process from 'node:process';
import { SCOPES } from '../stryker.config.mjs';

const COPIED = ['src', 'test', 'package.json', 'tsconfig.json', 'vitest.config.ts', 'vitest.mutation.config.ts', 'stryker.config.mjs', 'policies.yaml', 'policies.schema.json'];

/** Character offset of a 1-based line and column in `text`. */
function offsetOf(text, { line, column }) {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
  return offset + column - 1;
}

const names = process.argv.slice(2);
if (names.length === 0) throw new Error('name the scopes to check, e.g. node scripts/mutation-static.mjs segment request-headers');
const sandbox = mkdtempSync(join(tmpdir(), 'umagate-static-mutants-'));
let survivors = 0;
try {
  for (const item of COPIED) cpSync(item, join(sandbox, item), { recursive: true });
  symlinkSync(join(process.cwd(), 'node_modules'), join(sandbox, 'node_modules'), 'dir');
  for (const name of names) {
    const file = Object.keys(SCOPES).find((f) => basename(f, '.ts') === name);
    if (file === undefined) throw new Error(`no mutation scope "${name}"`);
    const report = JSON.parse(readFileSync(`reports/mutation/${name}.json`, 'utf8'));
    const original = readFileSync(file, 'utf8');
    const ignored = report.files[file].mutants.filter((m) => m.status === 'Ignored');
    let killed = 0;
    for (const m of ignored) {
      const start = offsetOf(original, m.location.start);
      const end = offsetOf(original, m.location.end);
      writeFileSync(join(sandbox, file), original.slice(0, start) + m.replacement + original.slice(end));
      const run = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.mutation.config.ts', '--bail', '1', ...SCOPES[file]], { cwd: sandbox, encoding: 'utf8' });
      if (run.status === 0) {
        survivors += 1;
        const line = original.split('\n')[m.location.start.line - 1].trim();
        process.stdout.write(`SURVIVED ${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName}\n  ${line}\n  → ${m.replacement}\n`);
      } else {
        killed += 1;
      }
    }
    writeFileSync(join(sandbox, file), original);
    process.stdout.write(`${file}: ${killed} of ${ignored.length} static mutants killed\n`);
  }
} finally {
  rmSync(sandbox, { recursive: true, force: true });
}
process.exitCode = survivors === 0 ? 0 : 1;
