/**
 * The oxd side of the process that registers (the only process, or the cluster primary): its
 * client (which writes ids and credentials back to the ini), the guard around its calls, and
 * the registrar the control plane drives.
 */
import { OxdClient, OxdConfigFile } from '../oxd/index.js';
import type { PolicyRegistrar } from './control-plane.js';
import type { Logger } from './logger.js';
import type { ProxyMetrics } from './metrics.js';
import type { ServeOptions } from './options.js';
import { DEFAULT_LANES, OxdCapacity, type OxdCapacityOptions } from './oxd-capacity.js';
import { OxdGuard } from './oxd-guard.js';
import { oxdProbe, type ProbeClient } from './oxd-probe.js';
import { Registrar, recordFileFor } from './registrar.js';

export interface OxdControl {
  readonly client: OxdClient;
  readonly guard: OxdGuard;
  readonly registrar: PolicyRegistrar;
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

export async function createOxdControl(
  options: ServeOptions,
  logger: Logger,
  metrics: ProxyMetrics,
  tuning: { readonly breaker: BreakerTuning | undefined; readonly lanes: { capacity: OxdCapacity; poolSize: number } | undefined },
): Promise<OxdControl> {
  const poolSize = tuning.lanes?.poolSize;
  const client = await OxdClient.fromConfigFile(options.oxdConfig, { logger: logger.child({ component: 'oxd' }), ...(poolSize === undefined ? {} : { poolSize }) });
  const address = oxdAddress((await OxdConfigFile.load(options.oxdConfig)).config);
  const guard = createOxdGuard({ options, logger, metrics, client, breaker: tuning.breaker, capacity: tuning.lanes?.capacity });
  const registrar = new Registrar({
    client,
    guard,
    recordFile: recordFileFor(options.oxdConfig),
    onRecordError: (err) => {
      logger.warn({ err }, 'could not write the registration record; the next boot will register again');
    },
  });
  return {
    client,
    guard,
    registrar: {
      ensure: (policy) => registrar.ensure(policy),
      repair: (policy) => registrar.repair(policy),
      describe: () => ({ oxd: { protocol: client.protocol, address, oxdId: client.oxdId } }),
    },
  };
}

function oxdAddress(config: { readonly protocol: string; readonly host: string; readonly port: number; readonly baseUrl: string | null }): string {
  return config.protocol === 'socket' ? `${config.host}:${config.port}` : (config.baseUrl ?? config.host);
}
