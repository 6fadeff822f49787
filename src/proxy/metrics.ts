/**
 * Prometheus metrics on a Registry of our own (never the global one, so several proxies can run
 * in one process). Labels are bounded: outcome ids, policy patterns or "none", oxd command
 * names — never raw paths or tokens.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuthzService } from './authz-backend.js';

const CALL_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export type BreakerState = 'closed' | 'open' | 'half_open';

const BREAKER_VALUE: { readonly [S in BreakerState]: number } = { closed: 0, half_open: 1, open: 2 };

interface Tallied<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  count: number;
}

/**
 * Per-request counts kept as plain numbers, one per label set, and added to `counter` only when
 * the registry is read (scrape, cluster aggregation): prom-client hashes and validates the label
 * set on every `inc`, which on the request path cost more than the rest of the counting.
 */
class LabelTally<L extends string> {
  readonly #entries = new Map<string, Map<string, Tallied<L>>>();

  /** Counts one for the label set (`first`, `second`), made by `labelsOf` the first time only. */
  add(first: string, second: string, labelsOf: () => Readonly<Record<L, string>>): void {
    let inner = this.#entries.get(first);
    if (inner === undefined) {
      inner = new Map();
      this.#entries.set(first, inner);
    }
    const entry = inner.get(second);
    if (entry === undefined) inner.set(second, { labels: labelsOf(), count: 1 });
    else entry.count += 1;
  }

  /** Moves the counts taken since the last read into the counter. */
  flushInto(counter: Counter<L>): void {
    for (const inner of this.#entries.values()) {
      for (const entry of inner.values()) {
        if (entry.count === 0) continue;
        counter.inc(entry.labels, entry.count);
        entry.count = 0;
      }
    }
  }
}

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly #requestTally = new LabelTally<'outcome' | 'pattern'>();
  readonly #cacheLookupTally = new LabelTally<'result'>();
  /** Filled from the tally when the registry is read: counted with countRequest only. */
  readonly #requests = new Counter({
    name: 'umagate_requests_total',
    help: 'Requests by outcome and matched resource pattern ("none" when nothing matched)',
    labelNames: ['outcome', 'pattern'] as const,
    registers: [this.registry],
    collect: () => {
      this.#requestTally.flushInto(this.#requests);
    },
  });
  readonly oxdCalls = new Histogram({
    name: 'umagate_oxd_call_duration_seconds',
    help: 'Latency of oxd calls by command and result (ok, oxd error code, or transport failure)',
    labelNames: ['command', 'result'] as const,
    buckets: CALL_BUCKETS,
    registers: [this.registry],
  });
  readonly asCalls = new Histogram({
    name: 'umagate_as_call_duration_seconds',
    help: 'Direct mode: latency of calls to the UMA authorization server by endpoint and result (ok, error code, or transport failure)',
    labelNames: ['endpoint', 'result'] as const,
    buckets: CALL_BUCKETS,
    registers: [this.registry],
  });
  readonly oxdShed = new Counter({
    name: 'umagate_oxd_shed_total',
    help: 'Requests answered 429 instead of asking oxd, by lane (token, anonymous) and reason (client_limit, queue_full)',
    labelNames: ['lane', 'reason'] as const,
    registers: [this.registry],
  });
  readonly connectionsDropped = new Counter({
    name: 'umagate_connections_dropped_total',
    help: 'Client connections closed on accept because --max-connections were already open',
    registers: [this.registry],
  });
  /** Filled from the tally when the registry is read: counted with countCacheLookup only. */
  readonly #cacheLookups = new Counter({
    name: 'umagate_decision_cache_lookups_total',
    help: 'Decision cache lookups by result (hit or miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
    collect: () => {
      this.#cacheLookupTally.flushInto(this.#cacheLookups);
    },
  });
  readonly coalescedWaits = new Counter({
    name: 'umagate_coalesced_waits_total',
    help: 'Requests that waited for an identical in-flight oxd check instead of making their own',
    registers: [this.registry],
  });
  readonly coalescedWaitsInFlight = new Gauge({
    name: 'umagate_coalesced_waits_in_flight',
    help: 'Requests currently waiting for an identical in-flight oxd check',
    registers: [this.registry],
  });
  readonly breakerState = new Gauge({
    name: 'umagate_oxd_breaker_state',
    help: 'Circuit breaker in front of oxd (of the AS in direct mode): 0 closed, 1 half-open, 2 open',
    // Across cluster workers (each has its own breaker): the worst state.
    aggregator: 'max',
    registers: [this.registry],
  });
  readonly oxdReachable = new Gauge({
    name: 'umagate_oxd_reachable',
    help: '1 when the last oxd call got an answer from oxd, else 0',
    aggregator: 'max',
    registers: [this.registry],
  });
  readonly asReachable = new Gauge({
    name: 'umagate_as_reachable',
    help: 'Direct mode: 1 when the last call to the authorization server got an answer, else 0',
    registers: [this.registry],
  });
  readonly policyReloads = new Counter({
    name: 'umagate_policy_reloads_total',
    help: 'Policy reloads by result (applied, unchanged, rejected, registration_failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly policyGeneration = new Gauge({
    name: 'umagate_policy_generation',
    help: 'Generation of the policy in force (1 at boot, +1 per applied reload)',
    // Set by the process that owns reloads only; the others' 0 must not add to it.
    aggregator: 'max',
    registers: [this.registry],
  });

  /** One answered request, by outcome and matched pattern (null: nothing matched). */
  countRequest(outcome: string, pattern: string | null): void {
    const label = pattern ?? 'none';
    this.#requestTally.add(outcome, label, () => ({ outcome, pattern: label }));
  }

  /** One decision-cache lookup. */
  countCacheLookup(result: 'hit' | 'miss'): void {
    this.#cacheLookupTally.add(result, '', () => ({ result }));
  }

  /** One guarded call: oxd's by command, the AS's by endpoint. */
  observeServiceCall(service: AuthzService, name: string, result: string, seconds: number): void {
    if (service === 'oxd') this.oxdCalls.observe({ command: name, result }, seconds);
    else this.asCalls.observe({ endpoint: name, result }, seconds);
  }

  setReachable(service: AuthzService, reachable: boolean): void {
    (service === 'oxd' ? this.oxdReachable : this.asReachable).set(reachable ? 1 : 0);
  }

  setBreakerState(state: BreakerState): void {
    this.breakerState.set(BREAKER_VALUE[state]);
  }
}
