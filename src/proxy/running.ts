/** What startProxy takes beyond the serve options, and what it hands back, in either process model. */
import type { Server } from 'node:http';
import type { ReadinessReport } from './admin.js';
import type { DestinationStream } from 'pino';
import type { ControlPlane } from './control-plane.js';
import type { Logger } from './logger.js';
import type { ServeOptions, ServeOptionsInput } from './options.js';
import type { OxdControl } from './oxd-control.js';
import type { OxdCapacityOptions } from './oxd-capacity.js';
import type { ReloadResult } from './reload.js';

export interface StartProxyOptions extends ServeOptionsInput {
  /** Where JSON log lines go (default stdout); with --workers above 1, the workers' lines too. */
  readonly logDestination?: DestinationStream;
  /** Wall clock in ms since the epoch, for cache TTLs and RPT expiry (tests inject fake time). */
  readonly now?: () => number;
  /** Watch the policy file for edits (default true). */
  readonly watchPolicy?: boolean;
  /** Circuit breaker tuning (defaults in oxd-guard.ts). */
  readonly breaker?: { readonly failureThreshold?: number; readonly probeIntervalMs?: number };
  /** Request-head deadline (default HEADERS_TIMEOUT_MS; tests shorten it). */
  readonly headersTimeoutMs?: number;
  /** Whole-request deadline, body included (default REQUEST_TIMEOUT_MS; tests shorten it). */
  readonly requestTimeoutMs?: number;
  /** oxd lanes for requests with and without a token (default DEFAULT_LANES), per traffic process. */
  readonly oxdLanes?: OxdCapacityOptions['lanes'];
}

export interface RunningProxy {
  /** Base URL of the traffic listener, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly adminUrl: string;
  readonly logger: Logger;
  /** Resolves once the policy has been registered with oxd since boot. */
  readonly registered: Promise<void>;
  /** Re-reads the policy file now (what SIGHUP does). */
  reload(): Promise<ReloadResult>;
  /** Stops accepting, drains in-flight requests (bounded by the shutdown grace), releases everything. */
  close(): Promise<void>;
}

export function logListening(logger: Logger, options: ServeOptions, url: string, adminUrl: string): void {
  logger.info(
    { listen: url, admin: adminUrl, upstream: options.upstream.href, trustProxy: options.trustProxy, passCredentials: options.passCredentials, workers: options.workers },
    'listening',
  );
}

/**
 * Starts the control plane and hands back the running proxy. `stopTraffic` drains whatever
 * serves traffic (this process's listener or the workers) and returns fields for the last log line.
 */
export function startRunning(parts: {
  readonly url: string;
  readonly adminUrl: string;
  readonly options: ServeOptions;
  readonly logger: Logger;
  readonly control: ControlPlane;
  readonly oxd: OxdControl;
  readonly admin: Server;
  readonly stopTraffic: () => Promise<Readonly<Record<string, unknown>>>;
}): RunningProxy {
  const { url, adminUrl, logger, control, oxd, admin } = parts;
  logListening(logger, parts.options, url, adminUrl);
  control.start();
  return {
    url,
    adminUrl,
    logger,
    registered: control.registered,
    reload: () => control.reload('api'),
    close: async () => {
      control.stop();
      oxd.guard.stop();
      const fields = await parts.stopTraffic();
      admin.close();
      admin.closeAllConnections();
      await oxd.backend.close();
      logger.info(fields, 'stopped');
    },
  };
}

/** /readyz of the registering process: the policy in force, the service behind the guard, why not ready yet. */
export function readinessOf(control: ControlPlane, oxd: OxdControl): ReadinessReport {
  const { state, registered } = control.snapshot;
  const problem = control.bootProblem;
  return {
    ready: registered,
    [oxd.backend.service]: { reachable: oxd.guard.reachable, breaker: oxd.guard.state },
    policy: { generation: state.generation, source: state.policy.source, registered },
    ...(registered || problem === null ? {} : { problem }),
  };
}
