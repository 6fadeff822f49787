/** Waiting for the oxd circuit breaker's own reports, so tests follow events instead of sleeping. */
import type { Harness, LogLine } from './harness.js';

/** Resolves when the breaker reports that it moved to `to`, from log line `from` on. */
export function breakerMoved(h: Harness, to: 'open' | 'closed' | 'half_open', from: number): Promise<LogLine> {
  return h.logs.waitFor(`"oxd circuit breaker changed state" to ${to}`, (l) => l.msg === 'oxd circuit breaker changed state' && l.to === to, from);
}
