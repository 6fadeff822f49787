/**
 * The oxd side of the process that registers (the only process, or the cluster primary): its
 * client (which writes ids and credentials back to the ini), the guard around its calls, and
 * the registrar the control plane drives.
 */
import { serviceName, type AuthzBackend } from './authz-backend.js';
import { backendFor } from './backends.js';
import type { Logger } from './logger.js';
import type { ProxyMetrics } from './metrics.js';
import type { ServeOptions } from './options.js';
import { DEFAULT_LANES, OxdCapacity, type OxdCapacityOptions } from './oxd-capacity.js';
import { OxdGuard } from './oxd-guard.js';
import { oxdProbe, type ProbeClient } from './oxd-probe.js';

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

/** The guard every oxd call of a process goes through; its probe asks through `client`. */
export function createOxdGuard(deps: {
  options: ServeOptions;
  logger: Logger;
  metrics: ProxyMetrics;
  client: ProbeClient;
  breaker: BreakerTuning | undefined;
  /** Lanes for calls made on behalf of a request; none in a process that serves no traffic. */
  capacity: OxdCapacity | undefined;
}): OxdGuard {
  const { breaker, capacity } = deps;
  return new OxdGuard({
    timeoutMs: deps.options.oxdTimeoutMs,
    now: () => performance.now(),
    metrics: deps.metrics,
    probe: oxdProbe(deps.client),
    ...(capacity === undefined ? {} : { capacity }),
    ...(breaker?.failureThreshold === undefined ? {} : { failureThreshold: breaker.failureThreshold }),
    ...(breaker?.probeIntervalMs === undefined ? {} : { probeIntervalMs: breaker.probeIntervalMs }),
    onStateChange: (from, to) => {
      deps.logger.warn({ from, to }, 'oxd circuit breaker changed state');
    },
  });
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
  let backend: AuthzBackend | null = null;
  const { breaker } = tuning;
  const guard = new OxdGuard({
    timeoutMs: factory.timeoutMs,
    failures: factory.failures,
    now: () => performance.now(),
    metrics,
    probe: () => backend?.probe() ?? null,
    ...(tuning.lanes === undefined ? {} : { capacity: tuning.lanes.capacity }),
    ...(breaker?.failureThreshold === undefined ? {} : { failureThreshold: breaker.failureThreshold }),
    ...(breaker?.probeIntervalMs === undefined ? {} : { probeIntervalMs: breaker.probeIntervalMs }),
    onStateChange: (from, to) => {
      logger.warn({ from, to }, `${serviceName(factory.failures.service)} circuit breaker changed state`);
    },
  });
  backend = factory.create(guard);
  return { guard, backend };
}
