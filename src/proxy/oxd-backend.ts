/**
 * The oxd backend (the default mode): `uma_rs_check_access` per decision, the RPT's lifetime
 * from its JWT `exp` or `introspect_rpt`, registration through the Registrar, and the probe of
 * oxd-probe.ts — every call through the guard.
 */
import { OxdError } from '../oxd/index.js';
import type { CheckAccessResult, OxdClient } from '../oxd/index.js';
import type { Policy } from '../policy/index.js';
import type { AuthzAnswer, AuthzBackend, AuthzQuery, RegistrationResult } from './authz-backend.js';
import type { OxdCaller } from './oxd-capacity.js';
import type { OxdGuard } from './oxd-guard.js';
import { oxdProbe } from './oxd-probe.js';
import { Registrar } from './registrar.js';
import { RptLifetime } from './rpt-lifetime.js';

/** oxd answers these when the pattern (or the whole site) it is asked about is unknown to it. */
const DRIFT_CODES: ReadonlySet<string> = new Set(['invalid_request', 'invalid_oxd_id']);

export interface OxdCheckDeps {
  /** uma_rs_check_access through the guard (deadline, retry, breaker). */
  readonly checkAccess: (rpt: string | null, path: string, method: string, caller: OxdCaller) => Promise<CheckAccessResult>;
  readonly lifetime: RptLifetime;
}

/** The decision half of the oxd backend, on its own so it can be driven without a network. */
export function oxdCheck(deps: OxdCheckDeps): Pick<AuthzBackend, 'service' | 'check' | 'clear'> {
  return {
    service: 'oxd',
    async check(query: AuthzQuery): Promise<AuthzAnswer> {
      let result: CheckAccessResult;
      try {
        result = await deps.checkAccess(query.rpt, query.pattern, query.method, query.caller);
      } catch (err) {
        if (err instanceof OxdError && DRIFT_CODES.has(err.code)) return { kind: 'drift', cause: err };
        throw err;
      }
      if (result.access === 'denied') {
        return result.ticket === null ? { kind: 'forbidden' } : { kind: 'ticket', ticket: result.ticket, wwwAuthenticate: result.wwwAuthenticate };
      }
      return { kind: 'granted', lifetimeMs: query.rpt === null || query.tokenHash === null ? null : await lifetimeOf(deps.lifetime, query.rpt, query.tokenHash, query.caller) };
    },
    clear() {
      deps.lifetime.clear();
    },
  };
}

async function lifetimeOf(lifetime: RptLifetime, rpt: string, tokenHash: string, caller: OxdCaller): Promise<number | null> {
  try {
    return await lifetime.remainingMs(rpt, tokenHash, caller);
  } catch {
    // Lifetime unknown (introspection failed): serve this grant, cache nothing.
    return null;
  }
}

/**
 * The decision half over a real client, every call through `guard`. `client` is asked at each
 * call, so a cluster worker can swap its client after a registration without a new authorizer.
 */
export function guardedOxdCheck(
  client: () => OxdClient,
  guard: OxdGuard,
  options: { readonly cacheMax: number; readonly now: () => number },
): Pick<AuthzBackend, 'service' | 'check' | 'clear'> {
  return oxdCheck({
    checkAccess: (rpt, path, method, caller) =>
      guard.call({ command: 'uma_rs_check_access', retryUnreachable: true, caller }, (signal) => client().umaRsCheckAccess(rpt, path, method, { signal })),
    lifetime: new RptLifetime({
      introspect: (rpt, caller) => guard.call({ command: 'introspect_rpt', retryUnreachable: true, caller }, (signal) => client().introspectRpt(rpt, { signal })),
      max: options.cacheMax,
      now: options.now,
    }),
  });
}

export interface OxdBackendOptions {
  readonly client: OxdClient;
  readonly guard: OxdGuard;
  /** Where the record of the last registered set lives (see registrar.ts). */
  readonly recordFile: string;
  readonly onRecordError: (err: unknown) => void;
  /** Wall clock in ms since the epoch (RPT `exp` is wall-clock time). */
  readonly now: () => number;
  readonly cacheMax: number;
  /** oxd's address, for the boot log. */
  readonly address: string;
}

export function createOxdBackend(options: OxdBackendOptions): AuthzBackend {
  const { client, guard } = options;
  const registrar = new Registrar({ client, guard, recordFile: options.recordFile, onRecordError: options.onRecordError });
  const decisions = guardedOxdCheck(() => client, guard, options);
  const probe = oxdProbe(client);
  return {
    service: 'oxd',
    check: decisions.check,
    clear: decisions.clear,
    register: (policy: Policy): Promise<RegistrationResult> => registrar.ensure(policy),
    repair: (policy: Policy) => registrar.repair(policy),
    // oxd is asked by path: a worker needs nothing beyond the policy and the ini.
    registeredIds: () => [],
    probe,
    describe: () => ({ oxd: { protocol: client.protocol, address: options.address, oxdId: client.oxdId } }),
    close: () => client.close(),
  };
}
