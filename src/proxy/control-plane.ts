/**
 * What one process owns whatever the number of traffic processes: the policy in force and its
 * generation, boot registration (retried with capped, jittered backoff, never fatal), live
 * reloads and drift repair — all through one serial queue, so two registrations never
 * interleave. Traffic is served elsewhere (traffic.ts, in this process or in cluster workers);
 * it is told of every new policy and of registration through `publish`.
 */
import { createHash } from 'node:crypto';
import { errorCode, errorMessage } from '../errors.js';
import { PolicyError, formatProblem, parsePolicyAsync, readPolicyFile } from '../policy/index.js';
import type { Policy } from '../policy/index.js';
import type { Logger } from './logger.js';
import type { ProxyMetrics } from './metrics.js';
import type { ServeOptions } from './options.js';
import { compileState, type PolicyState } from './policy-state.js';
import { serviceName, type AuthzBackend, type RegisteredId } from './authz-backend.js';
import type { RegistrationResult } from './registrar.js';
import { SingleFlight } from './decision-cache.js';
import { Serial, watchFile, type ReloadResult, type ReloadTrigger } from './reload.js';

/** Boot registration retries start here and double up to BOOT_RETRY_MAX_MS (contract: ≤ 5 s apart). */
export const BOOT_RETRY_INITIAL_MS = 200;
export const BOOT_RETRY_MAX_MS = 5_000;
/** After a reload could not be registered (oxd down), it is tried again this much later. */
const RELOAD_RETRY_MS = 5_000;

/**
 * Registration with the authorization side, whatever it is (oxd, or the AS in direct mode): make
 * it hold the policy's resources, and register again unconditionally after drift.
 */
export type PolicyRegistrar = Pick<AuthzBackend, 'service' | 'register' | 'repair' | 'registeredIds' | 'describe'>;

/** What traffic processes are told: the policy in force, whether (and how often) it was registered, and under which ids. */
export interface ControlSnapshot {
  readonly state: PolicyState;
  /** The policy text the state was compiled from: what a worker compiles again. */
  readonly text: string;
  readonly registered: boolean;
  /** Bumped by every registration that may have changed credentials or ids (boot, repair). */
  readonly registrationEpoch: number;
  /** What deciding needs besides the policy (direct mode: each condition's AS resource id). */
  readonly registeredIds: readonly RegisteredId[];
}

export interface ControlPlaneDeps {
  readonly options: ServeOptions;
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
  readonly registrar: PolicyRegistrar;
  readonly watchPolicy: boolean;
  readonly publish: (snapshot: ControlSnapshot) => void;
}

export interface LoadedPolicy {
  readonly text: string;
  readonly policy: Policy;
}

/** Reads and validates the policy file (PolicyError listing every problem when invalid). */
export async function loadPolicyFile(file: string): Promise<LoadedPolicy> {
  const text = await readPolicyFile(file);
  return { text, policy: await parsePolicyAsync(text, file) };
}

export class ControlPlane {
  readonly #deps: ControlPlaneDeps;
  readonly #serial = new Serial();
  readonly #repairs = new SingleFlight<undefined>();
  #snapshot: ControlSnapshot;
  #stopped = false;
  #bootProblem: string | null = null;
  #bootTimer: NodeJS.Timeout | undefined;
  #reloadRetry: NodeJS.Timeout | undefined;
  #watcher: { close(): void } | null = null;
  #markRegistered: () => void = () => undefined;
  /** Resolves once the policy has been registered since boot. */
  readonly registered: Promise<void>;

  constructor(deps: ControlPlaneDeps, { text, policy }: LoadedPolicy) {
    this.#deps = deps;
    this.#snapshot = { state: compileState(policy, 1, sha256(text)), text, registered: false, registrationEpoch: 0, registeredIds: [] };
    deps.metrics.policyGeneration.set(1);
    this.registered = new Promise((resolve) => {
      this.#markRegistered = resolve;
    });
  }

  /** Why the boot registration has not succeeded yet (one line, for /readyz), or null. */
  get bootProblem(): string | null {
    return this.#bootProblem;
  }

  get #service(): string {
    return serviceName(this.#deps.registrar.service);
  }

  get snapshot(): ControlSnapshot {
    return this.#snapshot;
  }

  /** Publishes the boot policy, starts the watcher and the boot registration. */
  start(): void {
    this.#warnAbout(this.#snapshot.state.policy);
    this.#deps.publish(this.#snapshot);
    if (this.#deps.watchPolicy) {
      this.#watcher = watchFile(
        this.#deps.options.policyFile,
        () => void this.reload('watch'),
        (err) => {
          this.#deps.logger.warn({ err }, 'policy file watch failed; SIGHUP still reloads');
        },
      );
    }
    this.#bootRegister(BOOT_RETRY_INITIAL_MS);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#bootTimer);
    clearTimeout(this.#reloadRetry);
    this.#watcher?.close();
  }

  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    return this.#serial.run(() => this.#reloadNow(trigger));
  }

  /**
   * Re-registers after a traffic process saw drift under `generation`; concurrent reports of one
   * generation share one attempt, and a report about a replaced generation is a no-op, as is one
   * about a registration already replaced (`seenEpoch`: the registration the reporter decided under).
   */
  repair(generation: number, seenEpoch?: number): Promise<undefined> {
    return this.#repairs.run(String(generation), () =>
      this.#serial.run(async () => {
        // A reload swapped the policy meanwhile: it registered the new set, nothing to repair.
        if (this.#snapshot.state.generation !== generation) return undefined;
        // Another traffic process reported the same drift first and it was repaired since the
        // reporter last heard: the registration it needs is already on its way to it.
        if (seenEpoch !== undefined && this.#snapshot.registrationEpoch > seenEpoch) return undefined;
        this.#deps.logger.warn({ generation }, `${this.#service} does not know a registered resource (registration drift); registering again`);
        await this.#deps.registrar.repair(this.#snapshot.state.policy);
        this.#set({ ...this.#snapshot, registrationEpoch: this.#snapshot.registrationEpoch + 1 });
        return undefined;
      }),
    ).promise;
  }

  /** What `umagate validate` warns about, logged too: an operator may never run validate. */
  #warnAbout(policy: Policy): void {
    for (const warning of policy.warnings) this.#deps.logger.warn({ warning: formatProblem(warning) }, 'policy warning');
  }

  /**
   * Swaps in `next` with the ids the registrar holds now, and tells traffic processes: a
   * generation and the ids it was registered under reach them together.
   */
  #set(next: Omit<ControlSnapshot, 'registeredIds'>): void {
    const snapshot = { ...next, registeredIds: this.#deps.registrar.registeredIds() };
    this.#snapshot = snapshot;
    this.#deps.publish(snapshot);
  }

  /** Registers the current policy; on failure tries again later, backing off to BOOT_RETRY_MAX_MS. */
  #bootRegister(delayMs: number): void {
    if (this.#stopped) return;
    this.#serial
      .run(async () => {
        const result = await this.#deps.registrar.register(this.#snapshot.state.policy);
        this.#bootProblem = null;
        this.#set({ ...this.#snapshot, registered: true, registrationEpoch: this.#snapshot.registrationEpoch + 1 });
        this.#markRegistered();
        this.#deps.logger.info(
          {
            policy: this.#deps.options.policyFile,
            resources: result === 'registered' ? this.#snapshot.state.policy.registration.length : 'unchanged',
            ...this.#deps.registrar.describe(),
          },
          `policy registered with ${this.#service}; ready`,
        );
      })
      .catch((err: unknown) => {
        // Jitter spreads the retries of many replicas that lost oxd at the same moment.
        const next = Math.min(BOOT_RETRY_MAX_MS, delayMs * 2);
        const wait = Math.round(delayMs / 2 + Math.random() * (delayMs / 2));
        this.#bootProblem = describe(err);
        this.#deps.logger.warn({ err: this.#bootProblem, retryInMs: wait }, `cannot register the policy with ${this.#service} yet; protected paths answer 503 until then`);
        this.#bootTimer = setTimeout(() => {
          this.#bootRegister(next);
        }, wait);
      });
  }

  async #reloadNow(trigger: ReloadTrigger): Promise<ReloadResult> {
    clearTimeout(this.#reloadRetry);
    const { metrics, logger, options } = this.#deps;
    const current = this.#snapshot;
    let text: string;
    let policy: Policy;
    try {
      text = await readPolicyFile(options.policyFile);
      if (sha256(text) === current.state.textHash) {
        metrics.policyReloads.inc({ result: 'unchanged' });
        return { result: 'unchanged' };
      }
      policy = await parsePolicyAsync(text, options.policyFile);
    } catch (err) {
      const problems = err instanceof PolicyError && err.problems.length > 0 ? err.problems.map(formatProblem) : [describe(err)];
      metrics.policyReloads.inc({ result: 'rejected' });
      logger.error({ trigger, problems }, 'policy edit rejected; the previous policy stays in force');
      return { result: 'rejected', problems };
    }
    let registration: RegistrationResult = 'unchanged';
    if (current.registered && policy.registrationHash !== current.state.policy.registrationHash) {
      try {
        registration = await this.#deps.registrar.register(policy);
      } catch (err) {
        metrics.policyReloads.inc({ result: 'registration_failed' });
        logger.error({ trigger, err: describe(err), retryInMs: RELOAD_RETRY_MS }, 'policy edit could not be registered with oxd; the previous policy stays in force');
        this.#reloadRetry = setTimeout(() => void this.reload(trigger), RELOAD_RETRY_MS);
        return { result: 'registration_failed', message: describe(err) };
      }
    }
    const generation = current.state.generation + 1;
    this.#set({ ...this.#snapshot, state: compileState(policy, generation, sha256(text)), text });
    metrics.policyGeneration.set(generation);
    metrics.policyReloads.inc({ result: 'applied' });
    logger.info({ trigger, generation, registration }, 'policy reloaded');
    this.#warnAbout(policy);
    return { result: 'applied', generation, registration };
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function describe(err: unknown): string {
  const code = errorCode(err);
  return code === undefined ? errorMessage(err) : `${code}: ${errorMessage(err)}`;
}
