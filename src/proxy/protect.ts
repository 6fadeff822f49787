/**
 * `umagate protect`: register the policy once and report, for CI/CD pipelines — with oxd, or in
 * direct mode with the AS itself. Uses the same Registrar (or reconciler) as the proxy, so it is
 * just as idempotent (ARCHITECTURE.md, invariant 7).
 */
import { OxdClient } from '../oxd/index.js';
import { loadPolicy } from '../policy/index.js';
import type { Logger } from './logger.js';
import { ProxyMetrics } from './metrics.js';
import { OxdGuard } from './oxd-guard.js';
import { Registrar, recordFileFor, type RegistrationResult } from './registrar.js';
import { AS_FAILURES, createUma2Backend } from './uma2/backend.js';
import type { Uma2Options } from './uma2-options.js';

export interface ProtectOptions {
  readonly policyFile: string;
  readonly oxdConfig: string;
  readonly oxdTimeoutMs: number;
  /** Direct mode's settings: register with the AS itself instead of oxd. */
  readonly uma2?: Uma2Options | null;
  readonly logger: Logger;
}

export interface ProtectResult {
  readonly result: RegistrationResult;
  readonly resources: number;
  readonly oxdId: string | null;
}

export interface Uma2ProtectResult {
  readonly result: RegistrationResult;
  /** AS resources the policy maps to (one per condition). */
  readonly resources: number;
  readonly issuer: string;
}

/** Direct mode: reconciles the AS's resources with the policy, through the same backend as serve. */
export async function reconcilePolicy(options: { readonly policyFile: string; readonly uma2: Uma2Options; readonly logger: Logger }): Promise<Uma2ProtectResult> {
  const policy = await loadPolicy(options.policyFile);
  const { uma2, logger } = options;
  // No breaker trips in a one-shot command; the guard still bounds each call.
  const guard = new OxdGuard({ timeoutMs: uma2.timeoutMs, failures: AS_FAILURES, now: () => performance.now(), metrics: new ProxyMetrics(), failureThreshold: Number.POSITIVE_INFINITY });
  const backend = createUma2Backend({
    settings: uma2,
    guard,
    cacheTtlMs: 0,
    cacheMax: 1,
    now: Date.now,
    onStateError: (err) => {
      logger.warn({ err, stateFile: uma2.stateFile }, 'could not write the UMA state file; the next run adopts the resources by name');
    },
    onWarning: (message) => {
      logger.warn({ insecure: true }, message);
    },
  });
  try {
    const result = await backend.register(policy);
    const described = backend.describe().as as { readonly issuer?: string | null } | undefined;
    return { result, resources: policy.registration.reduce((n, r) => n + r.conditions.length, 0), issuer: described?.issuer ?? uma2.discoveryUrl.href };
  } finally {
    await backend.close();
  }
}

/** Throws PolicyError (invalid policy), OxdError (config) or AuthorizationUnavailableError (oxd). */
export async function registerPolicy(options: ProtectOptions): Promise<ProtectResult> {
  const policy = await loadPolicy(options.policyFile);
  const client = await OxdClient.fromConfigFile(options.oxdConfig, { logger: options.logger });
  try {
    const registrar = new Registrar({
      client,
      // No breaker trips in a one-shot command; the guard still bounds each call.
      guard: new OxdGuard({ timeoutMs: options.oxdTimeoutMs, now: () => performance.now(), metrics: new ProxyMetrics(), failureThreshold: Number.POSITIVE_INFINITY }),
      recordFile: recordFileFor(options.oxdConfig),
      onRecordError: (err) => {
        options.logger.warn({ err }, 'could not write the registration record; the next run will register again');
      },
    });
    const result = await registrar.ensure(policy);
    return { result, resources: policy.registration.length, oxdId: client.oxdId };
  } finally {
    await client.close();
  }
}
