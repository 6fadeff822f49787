#!/usr/bin/env node
/**
 * `npm run test:mutation [-- NAME… [--concurrency N]]`: mutation testing of the security core,
 * one scope at a time (see SCOPES in stryker.config.mjs). NAME picks scopes by file name
 * (`enforce`, `segment`, `src/proxy/authorize.ts`); none runs them all. Each scope's HTML and
 * JSON reports go to reports/mutation/; a table of scores is printed at the end, and the exit
 * status is 1 when a scope scores under 90% (the bar for these files).
 */
import { basename } from 'node:path';
import process from 'node:process';
import { Stryker } from '@stryker-mutator/core';
import { SCOPES } from '../stryker.config.mjs';

const TARGET = 90;

function parseArgs(argv) {
  const names = [];
  let concurrency;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--concurrency') {
      concurrency = Number(argv[++i]);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency needs a whole number of at least 1, e.g. --concurrency 1');
    } else {
      names.push(arg);
    }
  }
  return { names, concurrency };
}

function pick(names) {
  const files = Object.keys(SCOPES);
  if (names.length === 0) return files;
  return names.map((name) => {
    const found = files.find((f) => f === name || basename(f, '.ts') === name);
    if (found === undefined) throw new Error(`no mutation scope "${name}"; one of: ${files.map((f) => basename(f, '.ts')).join(', ')}`);
    return found;
  });
}

/** Stryker's mutation score: detected / (detected + undetected); errors and ignored left out. */
function score(results) {
  const count = (...statuses) => results.filter((r) => statuses.includes(r.status)).length;
  const detected = count('Killed', 'Timeout');
  const undetected = count('Survived', 'NoCoverage');
  return {
    detected,
    undetected,
    ignored: count('Ignored'),
    percent: detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected),
  };
}

const { names, concurrency } = parseArgs(process.argv.slice(2));
const rows = [];
for (const file of pick(names)) {
  const name = basename(file, '.ts');
  const started = Date.now();
  // Stryker reads stryker.config.mjs itself; these options narrow it to one scope.
  const results = await new Stryker({
    configFile: 'stryker.config.mjs',
    mutate: [file],
    testFiles: SCOPES[file],
    ...(concurrency === undefined ? {} : { concurrency }),
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
  }).runMutationTest();
  rows.push({ file, minutes: (Date.now() - started) / 60_000, ...score(results) });
}

const lines = rows.map(
  (r) =>
    `  ${r.percent.toFixed(1).padStart(5)}%  ${r.file.padEnd(30)} ${r.detected} killed, ${r.undetected} survived, ${r.ignored} static (judged by hand), ${r.minutes.toFixed(1)} min`,
);
process.stdout.write(`\nmutation score per scope (target ≥ ${TARGET}%):\n${lines.join('\n')}\n`);
process.exitCode = rows.every((r) => r.percent >= TARGET) ? 0 : 1;
