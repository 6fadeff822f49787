/**
 * Waiting for the circuit breaker's own reports (in front of oxd, or of the AS in direct mode), so
 * tests follow events instead of sleeping.
 */
import type { Harness, LogLine } from './harness.js';

/** Resolves when the breaker reports that it moved to `to`, from log line `from` on. */
export function breakerMoved(h: Harness, to: 'open' | 'closed' | 'half_open', from: number): Promise<LogLine> {
  const msg = `${h.mode === 'oxd' ? 'oxd' : 'the authorization server'} circuit breaker changed state`;
  return h.logs.waitFor(`"${msg}" to ${to}`, (l) => l.msg === msg && l.to === to, from);
}
