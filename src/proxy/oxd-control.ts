/**
 * The authorization side of a process: the lanes and guard every call goes through, and, in the
 * process that registers (the only process, or the cluster primary), the mode's backend (oxd,
 * whose client writes ids and credentials back to the ini, or the AS itself).
 */
import { serviceName, type AuthzBackend } from './authz-backend.js';
import { backendFor } from './backends.js';
import type { Logger } from './logger.js';
import type { ProxyMetrics } from './metrics.js';
import type { ServeOptions } from './options.js';
import { DEFAULT_LANES, OxdCapacity, type OxdCapacityOptions } from './oxd-capacity.js';
import { OxdGuard, type GuardedFactory, type ProbeCall } from './oxd-guard.js';

export interface OxdControl {
  readonly guard: OxdGuard;
  /** Registration and decisions of the mode; the control plane registers through it. */
  readonly backend: AuthzBackend;
}

/** Circuit breaker tuning (defaults in oxd-guard.ts). */
export interface BreakerTuning {
  readonly failureThreshold?: number;
  readonly probeIntervalMs?: number;
}

/** oxd connections beyond the lanes' slots, for calls made for no request (boot, reload, probe). */
const UNLANED_CONNECTIONS = 2;

/**
 * The lanes of a process that serves traffic, and the oxd connections its client should keep:
 * every lane slot gets a connection of its own (plus some for calls made for no request), so a
 * call admitted by its lane never waits for the transport inside its oxd deadline.
 */
export function createOxdCapacity(options: ServeOptions, metrics: ProxyMetrics, lanes: OxdCapacityOptions['lanes'] | undefined): { capacity: OxdCapacity; poolSize: number } {
  const capacity = new OxdCapacity({ lanes: lanes ?? DEFAULT_LANES, perClient: options.oxdPerClient, metrics });
  return { capacity, poolSize: capacity.concurrency + UNLANED_CONNECTIONS };
}

/**
 * `factory`'s service and the guard every call to the authorization service of a process goes
 * through; the breaker probes through that service.
 */
export function createGuarded<T extends { probe(): ProbeCall | null }>(
  factory: GuardedFactory<T>,
  deps: {
    logger: Logger;
    metrics: ProxyMetrics;
    breaker: BreakerTuning | undefined;
    /** Lanes for calls made on behalf of a request; none in a process that serves no traffic. */
    capacity: OxdCapacity | undefined;
  },
): { guard: OxdGuard; service: T } {
  const { breaker, capacity } = deps;
  const service = serviceName(factory.failures.service);
  let created: T | null = null;
  const guard = new OxdGuard({
    timeoutMs: factory.timeoutMs,
    failures: factory.failures,
    now: () => performance.now(),
    metrics: deps.metrics,
    probe: () => created?.probe() ?? null,
    ...(capacity === undefined ? {} : { capacity }),
    ...(breaker?.failureThreshold === undefined ? {} : { failureThreshold: breaker.failureThreshold }),
    ...(breaker?.probeIntervalMs === undefined ? {} : { probeIntervalMs: breaker.probeIntervalMs }),
    onStateChange: (from, to) => {
      deps.logger.warn({ from, to }, `${service} circuit breaker changed state`);
    },
  });
  created = factory.create(guard);
  return { guard, service: created };
}

/**
 * The registering process's side of the authorization service (oxd, or the AS in direct mode):
 * the mode's backend and the guard around its calls.
 */
export async function createOxdControl(
  options: ServeOptions,
  logger: Logger,
  metrics: ProxyMetrics,
  tuning: { readonly breaker: BreakerTuning | undefined; readonly lanes: { capacity: OxdCapacity; poolSize: number } | undefined; readonly now: () => number },
): Promise<OxdControl> {
  const factory = await backendFor(options, logger, tuning.now, tuning.lanes?.poolSize ?? UNLANED_CONNECTIONS);
  const { guard, service } = createGuarded(factory, { logger, metrics, breaker: tuning.breaker, capacity: tuning.lanes?.capacity });
  return { guard, backend: service };
}
