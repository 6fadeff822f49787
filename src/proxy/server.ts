/**
 * startProxy(): options → one process serving traffic (the control plane and the traffic plane
 * side by side), or with --workers above 1 a cluster (cluster-primary.ts). For the CLI, tests
 * and the sandbox.
 */
import type { Server } from 'node:http';
import { createAdminServer } from './admin.js';
import { startClusterPrimary } from './cluster-primary.js';
import { ControlPlane, loadPolicyFile, type ControlSnapshot } from './control-plane.js';
import { createLogger, type Logger } from './logger.js';
import { ProxyMetrics } from './metrics.js';
import { resolveServeOptions, type ServeOptions } from './options.js';
import { createOxdCapacity, createOxdControl } from './oxd-control.js';
import { readinessOf, startRunning, type RunningProxy, type StartProxyOptions } from './running.js';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, TrafficPlane, listen } from './traffic.js';

export { BOOT_RETRY_INITIAL_MS, BOOT_RETRY_MAX_MS } from './control-plane.js';
export { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from './traffic.js';
export type { RunningProxy, StartProxyOptions } from './running.js';

export async function startProxy(input: StartProxyOptions): Promise<RunningProxy> {
  const options = resolveServeOptions(input);
  const logger = createLogger(options.logLevel, input.logDestination);
  return options.workers > 1 ? startClusterPrimary(options, input, logger) : startSingleProcess(options, input, logger);
}

async function startSingleProcess(options: ServeOptions, input: StartProxyOptions, logger: Logger): Promise<RunningProxy> {
  const metrics = new ProxyMetrics();
  // The traffic plane exists before the control plane publishes its first snapshot into it.
  let traffic: TrafficPlane | null = null;
  const publish = (snapshot: ControlSnapshot): void => {
    traffic?.apply(snapshot.state, snapshot.registered);
  };
  const loaded = await loadPolicyFile(options.policyFile);
  const now = input.now ?? Date.now;
  const oxd = await createOxdControl(options, logger, metrics, { breaker: input.breaker, lanes: createOxdCapacity(options, metrics, input.oxdLanes), now });
  const control = new ControlPlane({ options, logger, metrics, registrar: oxd.backend, watchPolicy: input.watchPolicy ?? true, publish }, loaded);
  traffic = new TrafficPlane({
    options,
    logger,
    metrics,
    now,
    guard: oxd.guard,
    decisions: oxd.backend,
    repairRegistration: (generation) => control.repair(generation),
    initialState: control.snapshot.state,
    headersTimeoutMs: input.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
    requestTimeoutMs: input.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
  });
  const admin = createAdminServer({
    metrics: { contentType: metrics.registry.contentType, text: () => metrics.registry.metrics() },
    readiness: () => readinessOf(control, oxd),
  });
  const { url, adminUrl } = await listenBoth(traffic, admin, options);
  const running = traffic;
  return startRunning({ url, adminUrl, options, logger, control, oxd, admin, stopTraffic: async () => ({ inFlightCut: await running.close() }) });
}

async function listenBoth(traffic: TrafficPlane, admin: Server, options: ServeOptions): Promise<{ url: string; adminUrl: string }> {
  const url = await traffic.listen(options.listen);
  try {
    return { url, adminUrl: await listen(admin, options.adminListen) };
  } catch (err) {
    await traffic.close();
    throw err;
  }
}
