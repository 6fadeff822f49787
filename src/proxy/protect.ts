/**
 * `umagate protect`: register the policy with oxd once and report, for CI/CD pipelines. Uses the
 * same Registrar as the proxy, so it is just as idempotent (ARCHITECTURE.md, invariant 7).
 */
import { OxdClient } from '../oxd/index.js';
import { loadPolicy } from '../policy/index.js';
import type { Logger } from './logger.js';
import { ProxyMetrics } from './metrics.js';
import { OxdGuard } from './oxd-guard.js';
import { Registrar, recordFileFor, type RegistrationResult } from './registrar.js';

export interface ProtectOptions {
  readonly policyFile: string;
  readonly oxdConfig: string;
  readonly oxdTimeoutMs: number;
  readonly logger: Logger;
}

export interface ProtectResult {
  readonly result: RegistrationResult;
  readonly resources: number;
  readonly oxdId: string | null;
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
