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

/** The guard every oxd call of a process goes through; its probe asks through `client`. */
export function createOxdGuard(deps: { options: ServeOptions; logger: Logger; metrics: ProxyMetrics; client: ProbeClient; breaker: BreakerTuning | undefined }): OxdGuard {
  const { breaker } = deps;
  return new OxdGuard({
    timeoutMs: deps.options.oxdTimeoutMs,
    now: () => performance.now(),
    metrics: deps.metrics,
    probe: oxdProbe(deps.client),
    ...(breaker?.failureThreshold === undefined ? {} : { failureThreshold: breaker.failureThreshold }),
    ...(breaker?.probeIntervalMs === undefined ? {} : { probeIntervalMs: breaker.probeIntervalMs }),
    onStateChange: (from, to) => {
      deps.logger.warn({ from, to }, 'oxd circuit breaker changed state');
    },
  });
}

export async function createOxdControl(options: ServeOptions, logger: Logger, metrics: ProxyMetrics, breaker: BreakerTuning | undefined): Promise<OxdControl> {
  const client = await OxdClient.fromConfigFile(options.oxdConfig, { logger: logger.child({ component: 'oxd' }) });
  const address = oxdAddress((await OxdConfigFile.load(options.oxdConfig)).config);
  const guard = createOxdGuard({ options, logger, metrics, client, breaker });
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
