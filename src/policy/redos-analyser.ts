/**
 * Runs recheck (https://makenowjust-labs.github.io/recheck/) in a short-lived child process.
 * Loaded in the proxy itself, the analyser stayed resident for the life of the process: its
 * 2.9 MB Scala.js bundle plus the worker thread its synchronous API keeps, about 70 MiB of RSS in
 * every process (each cluster worker too) for a check that runs once per policy load. A child
 * takes it all away when it exits. Synchronous, because a policy is parsed synchronously.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createRequire } from 'node:module';

/** What the analyser makes of one regex: null when safe, else why it is refused. */
export type RedosVerdict = string | null;

/** recheck's own budget per regex (its default); past it the regex is "unknown", so refused. */
const PER_REGEX_TIMEOUT_MS = 10_000;
/** Node's start and the bundle's load, on a slow machine. */
const START_BUDGET_MS = 20_000;

/**
 * The child: checks each regex it is given on stdin with recheck's asynchronous API (its native
 * agent where installed, else its pure JavaScript build) and prints the diagnostics as JSON.
 */
const CHILD_SOURCE = `
const chunks = [];
async function analyse() {
  const { check } = require(process.argv[1]);
  const out = [];
  for (const { source, flags } of JSON.parse(Buffer.concat(chunks).toString('utf8'))) {
    out.push(await check(source, flags, { timeout: ${PER_REGEX_TIMEOUT_MS} }));
  }
  return out;
}
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  analyse().then(
    (out) => process.stdout.write(JSON.stringify(out), () => process.exit(0)),
    (err) => process.stderr.write(String(err) + '\\n', () => process.exit(2)),
  );
});
`;

let recheckEntry: string | undefined;

/** Verdicts for `regexes`, in order, from one analyser run. */
export function analyseRegexes(regexes: readonly RegExp[]): RedosVerdict[] {
  if (regexes.length === 0) return [];
  let entry: string;
  try {
    recheckEntry ??= createRequire(import.meta.url).resolve('recheck');
    entry = recheckEntry;
  } catch (err) {
    return regexes.map(() => couldNotRun(`recheck is not installed (${(err as Error).message})`));
  }
  const run = spawnSync(process.execPath, ['-e', CHILD_SOURCE, entry], {
    input: JSON.stringify(regexes.map((regex) => ({ source: regex.source, flags: regex.flags }))),
    encoding: 'utf8',
    timeout: START_BUDGET_MS + PER_REGEX_TIMEOUT_MS * regexes.length,
    maxBuffer: 64 * 1024 * 1024,
    windowsHide: true,
  });
  const failure = runFailure(run);
  if (failure !== null) return regexes.map(() => couldNotRun(failure));
  let diagnostics: unknown;
  try {
    diagnostics = JSON.parse(run.stdout);
  } catch {
    return regexes.map(() => couldNotRun('its answer was not JSON'));
  }
  if (!Array.isArray(diagnostics) || diagnostics.length !== regexes.length) {
    return regexes.map(() => couldNotRun('it answered for a different number of regexes'));
  }
  return diagnostics.map(verdictOf);
}

function runFailure(run: SpawnSyncReturns<string>): string | null {
  if (run.error !== undefined) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return code === 'ETIMEDOUT' ? 'it ran out of time' : run.error.message;
  }
  if (run.status === 0) return null;
  // Node's own failures (a bad --require) print a stack around the error line; ours print just it.
  const lines = run.stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const reason = lines.find((line) => /^\w*Error\b/.test(line)) ?? lines[0];
  return `it exited with ${run.status === null ? `signal ${run.signal ?? 'unknown'}` : `status ${run.status}`}${reason === undefined ? '' : `: ${reason}`}`;
}

function couldNotRun(reason: string): string {
  return `the ReDoS analysis could not run: ${reason}`;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** Anything but an explicit "safe" is a reason to refuse. */
function verdictOf(diagnostics: unknown): RedosVerdict {
  switch (field(diagnostics, 'status')) {
    case 'safe':
      return null;
    case 'vulnerable': {
      const summary = text(field(field(diagnostics, 'complexity'), 'summary'), 'super-linear');
      const attack = text(field(field(diagnostics, 'attack'), 'pattern'), 'a crafted segment');
      return `${summary} backtracking, e.g. on ${attack}`;
    }
    case 'unknown':
      return `the ReDoS analysis could not prove it safe: ${text(field(field(diagnostics, 'error'), 'kind'), 'no reason given')}`;
    default:
      return couldNotRun('its answer had no verdict');
  }
}
