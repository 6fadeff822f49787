/** What startProxy takes beyond the serve options, and what it hands back, in either process model. */
import type { DestinationStream } from 'pino';
import type { Logger } from './logger.js';
import type { ServeOptionsInput } from './options.js';
import type { OxdCapacityOptions } from './oxd-capacity.js';
import type { ReloadResult } from './reload.js';

export interface StartProxyOptions extends ServeOptionsInput {
  /** Where JSON log lines go (default stdout; cluster workers always write to stdout). */
  readonly logDestination?: DestinationStream;
  /** Wall clock in ms since the epoch, for cache TTLs and RPT expiry (tests inject fake time). */
  readonly now?: () => number;
  /** Watch the policy file for edits (default true). */
  readonly watchPolicy?: boolean;
  /** Circuit breaker tuning (defaults in oxd-guard.ts). */
  readonly breaker?: { readonly failureThreshold?: number; readonly probeIntervalMs?: number };
  /** Request-head deadline (default HEADERS_TIMEOUT_MS; tests shorten it). */
  readonly headersTimeoutMs?: number;
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
