/**
 * How every command reports a failure it expects: any `UmagateError` (a policy that does not
 * validate, bad options, an oxd config or call that failed, a port in use) is explained in words
 * on stderr with exit code 1; anything else is a bug and propagates with its stack.
 */
import { isUmagateError } from '../errors.js';
import { PolicyError, formatProblem } from '../policy/index.js';

/** The words for a known failure — a policy's problems one per line, then the summary — or null. */
export function failureText(err: unknown): string | null {
  if (err instanceof PolicyError && err.problems.length > 0) return [...err.problems.map(formatProblem), err.message].join('\n');
  if (isUmagateError(err)) return err.message;
  return null;
}

/** Prints a known failure on stderr and sets exit code 1; rethrows anything else. */
export function reportFailure(err: unknown): void {
  const text = failureText(err);
  if (text === null) throw err;
  process.stderr.write(`${text}\n`);
  process.exitCode = 1;
}
