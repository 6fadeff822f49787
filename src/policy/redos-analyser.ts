/**
 * Runs recheck (https://makenowjust-labs.github.io/recheck/) in a short-lived child process.
 * Loaded in the proxy itself, the analyser stayed resident for the life of the process: its
 * 2.9 MB Scala.js bundle plus the worker thread its synchronous API keeps, about 70 MiB of RSS in
 * every process (each cluster worker too) for a check that runs once per policy load. A child
 * takes it all away when it exits. The proxy waits for it asynchronously, so a reload never
 * stalls traffic; `parsePolicy`, synchronous, waits for it synchronously.
 */
import { execFile, spawnSync } from 'node:child_process';
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

/** How one analyser run ended: why it failed, or what it printed. */
type AnalyserRun = { readonly failure: string } | { readonly failure: null; readonly stdout: string };

interface Invocation {
  readonly args: readonly string[];
  readonly input: string;
  readonly timeout: number;
}

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

function invocation(regexes: readonly RegExp[]): Invocation | string {
  try {
    recheckEntry ??= createRequire(import.meta.url).resolve('recheck');
  } catch (err) {
    return `recheck is not installed (${(err as Error).message})`;
  }
  return {
    args: ['-e', CHILD_SOURCE, recheckEntry],
    input: JSON.stringify(regexes.map((regex) => ({ source: regex.source, flags: regex.flags }))),
    timeout: START_BUDGET_MS + PER_REGEX_TIMEOUT_MS * regexes.length,
  };
}

/** Verdicts for `regexes`, in order, from one analyser run; blocks until it ends. */
export function analyseRegexes(regexes: readonly RegExp[]): RedosVerdict[] {
  if (regexes.length === 0) return [];
  const call = invocation(regexes);
  if (typeof call === 'string') return verdictsOf({ failure: call }, regexes.length);
  const run = spawnSync(process.execPath, call.args, { input: call.input, encoding: 'utf8', timeout: call.timeout, maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true });
  const timedOut = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const failure = timedOut ? OUT_OF_TIME : run.error !== undefined ? run.error.message : exitFailure(run.status, run.signal, run.stderr);
  return verdictsOf(failure === null ? { failure, stdout: run.stdout } : { failure }, regexes.length);
}

/** The same as `analyseRegexes`, without blocking the event loop meanwhile. */
export async function analyseRegexesAsync(regexes: readonly RegExp[]): Promise<RedosVerdict[]> {
  if (regexes.length === 0) return [];
  const call = invocation(regexes);
  if (typeof call === 'string') return verdictsOf({ failure: call }, regexes.length);
  const run = await new Promise<AnalyserRun>((resolve) => {
    const child = execFile(process.execPath, call.args, { encoding: 'utf8', timeout: call.timeout, maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true }, (err, stdout, stderr) => {
      if (err === null) resolve({ failure: null, stdout });
      else if (err.killed === true) resolve({ failure: OUT_OF_TIME });
      else if (typeof err.code === 'number' || err.signal != null) resolve({ failure: exitFailure(typeof err.code === 'number' ? err.code : null, err.signal ?? null, stderr) ?? err.message });
      else resolve({ failure: err.message });
    });
    // An analyser that dies before reading its input must not turn into an unhandled EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(call.input);
  });
  return verdictsOf(run, regexes.length);
}

const OUT_OF_TIME = 'it ran out of time';

function exitFailure(status: number | null, signal: NodeJS.Signals | null, stderr: string): string | null {
  if (status === 0) return null;
  // Node's own failures (a bad --require) print a stack around the error line; ours print just it.
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const reason = lines.find((line) => /^\w*Error\b/.test(line)) ?? lines[0];
  return `it exited with ${status === null ? `signal ${signal ?? 'unknown'}` : `status ${status}`}${reason === undefined ? '' : `: ${reason}`}`;
}

function verdictsOf(run: AnalyserRun, count: number): RedosVerdict[] {
  if (run.failure !== null) return Array.from({ length: count }, () => couldNotRun(run.failure));
  let diagnostics: unknown;
  try {
    diagnostics = JSON.parse(run.stdout);
  } catch {
    return verdictsOf({ failure: 'its answer was not JSON' }, count);
  }
  if (!Array.isArray(diagnostics) || diagnostics.length !== count) return verdictsOf({ failure: 'it answered for a different number of regexes' }, count);
  return diagnostics.map(verdictOf);
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
