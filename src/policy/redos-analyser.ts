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

/**
 * How one analyser process ended, whichever way it was waited for: `spawnError` when it could
 * not be started (or was killed for its output), `timedOut` when it ran past its budget.
 */
interface Ending {
  readonly spawnError: string | null;
  readonly timedOut: boolean;
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

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
  if (typeof call === 'string') return regexes.map(() => couldNotRun(call));
  const run = spawnSync(process.execPath, call.args, { input: call.input, encoding: 'utf8', timeout: call.timeout, maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true });
  const timedOut = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const spawnError = run.error === undefined || timedOut ? null : run.error.message;
  return verdictsOf({ spawnError, timedOut, status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr }, regexes.length);
}

/** The same as `analyseRegexes`, without blocking the event loop meanwhile. */
export async function analyseRegexesAsync(regexes: readonly RegExp[]): Promise<RedosVerdict[]> {
  if (regexes.length === 0) return [];
  const call = invocation(regexes);
  if (typeof call === 'string') return regexes.map(() => couldNotRun(call));
  const ending = await new Promise<Ending>((resolve) => {
    const child = execFile(process.execPath, call.args, { encoding: 'utf8', timeout: call.timeout, maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true }, (err, stdout, stderr) => {
      // execFile reports an exit status as a numeric `code`; a string `code` is a spawn failure.
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      const timedOut = err?.killed === true && err.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
      const spawnError = err !== null && !timedOut && typeof err.code === 'string' ? err.message : null;
      resolve({ spawnError, timedOut, status, signal: err?.signal ?? null, stdout, stderr });
    });
    // An analyser that dies before reading its input must not turn into an unhandled EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(call.input);
  });
  return verdictsOf(ending, regexes.length);
}

function failureOf(ending: Ending): string | null {
  if (ending.spawnError !== null) return ending.spawnError;
  if (ending.timedOut) return 'it ran out of time';
  if (ending.status === 0) return null;
  // Node's own failures (a bad --require) print a stack around the error line; ours print just it.
  const lines = ending.stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const reason = lines.find((line) => /^\w*Error\b/.test(line)) ?? lines[0];
  const how = ending.status === null ? `signal ${ending.signal ?? 'unknown'}` : `status ${ending.status}`;
  return `it exited with ${how}${reason === undefined ? '' : `: ${reason}`}`;
}

function verdictsOf(ending: Ending, count: number): RedosVerdict[] {
  const failed = (reason: string): RedosVerdict[] => Array.from({ length: count }, () => couldNotRun(reason));
  const failure = failureOf(ending);
  if (failure !== null) return failed(failure);
  let diagnostics: unknown;
  try {
    diagnostics = JSON.parse(ending.stdout);
  } catch {
    return failed('its answer was not JSON');
  }
  if (!Array.isArray(diagnostics) || diagnostics.length !== count) return failed('it answered for a different number of regexes');
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
