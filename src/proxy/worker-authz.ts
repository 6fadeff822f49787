/**
 * A cluster worker's side of the authorization service, per mode (backends.ts is the registering
 * process's): the guard's failure model and deadline, the decisions, the breaker's probe, and
 * what the worker takes from each policy message. A worker never registers; it decides under
 * the registration the primary announces.
 * - oxd: the worker reads the site's oxd id and credentials from the ini the primary wrote back,
 *   again whenever the registration epoch moves.
 * - direct mode: the worker keeps its own UmaClient (its own discovery, its own PAT, obtained
 *   with the client credentials of its options and refreshed on a 401 like the primary's) and
 *   takes the AS resource ids of each (pattern, condition) from the message. A PAT of its own
 *   keeps the primary off the request path: a PAT refresh needs no round trip through it, and a
 *   primary busy reconciling never stalls a decision. The worker needs the client credentials
 *   anyway (Keycloak's introspection authenticates the client itself); they reach it over the
 *   IPC channel or its inherited environment, never argv.
 */
import { OxdClient, OxdConfigFile } from '../oxd/index.js';
import type { Policy } from '../policy/index.js';
import type { AuthzBackend } from './authz-backend.js';
import { asSessionOptions } from './backends.js';
import type { PolicyMessage } from './cluster-protocol.js';
import type { Logger } from './logger.js';
import { guardedOxdCheck } from './oxd-backend.js';
import { OXD_FAILURES, type GuardedFactory, type OxdGuard, type ProbeCall } from './oxd-guard.js';
import { oxdProbe } from './oxd-probe.js';
import type { ServeOptions } from './options.js';
import { AS_FAILURES } from './uma2/backend.js';
import { resourceBindings } from './uma2/desired.js';
import { AsSession, type Bindings } from './uma2/session.js';

export interface WorkerAuthz {
  readonly decisions: Pick<AuthzBackend, 'service' | 'check' | 'clear'>;
  /** The breaker's background call, or null while there is nothing to probe with. */
  probe(): ProbeCall | null;
  /**
   * Takes in the registration `message` announces (`policy`: its text, compiled); `renewed`: it
   * is a registration this worker has not taken in yet, whose credentials or ids may differ.
   */
  apply(message: PolicyMessage, policy: Policy, renewed: boolean): Promise<void>;
  close(): Promise<void>;
}

export type WorkerAuthzFactory = GuardedFactory<WorkerAuthz>;

export function workerAuthzFor(options: ServeOptions, logger: Logger, poolSize: number, now: () => number): WorkerAuthzFactory {
  const settings = options.uma2;
  if (settings === null) return { failures: OXD_FAILURES, timeoutMs: options.oxdTimeoutMs, create: (guard) => new OxdWorkerAuthz(options, logger, poolSize, now, guard) };
  return {
    failures: AS_FAILURES,
    timeoutMs: settings.timeoutMs,
    create: (guard) =>
      new AsWorkerAuthz(
        new AsSession(
          // The primary logged the insecure switches at boot; once per process is enough there.
          asSessionOptions(options, settings, guard, now, (message) => {
            logger.debug({ insecure: true }, message);
          }),
        ),
        logger,
      ),
  };
}

class OxdWorkerAuthz implements WorkerAuthz {
  readonly decisions: WorkerAuthz['decisions'];
  readonly #options: ServeOptions;
  readonly #logger: Logger;
  readonly #poolSize: number;
  #client: OxdClient | null = null;

  constructor(options: ServeOptions, logger: Logger, poolSize: number, now: () => number, guard: OxdGuard) {
    this.#options = options;
    this.#logger = logger;
    this.#poolSize = poolSize;
    // Checks run only once registered (enforce.ts answers 503 before that), when a client exists.
    const client = (): OxdClient => {
      if (this.#client === null) throw new Error('no oxd client before the site is registered');
      return this.#client;
    };
    this.decisions = guardedOxdCheck(client, guard, { cacheMax: options.cacheMax, now });
  }

  /** Through whichever client is current (none before registration). */
  probe(): ProbeCall | null {
    return this.#client === null ? null : oxdProbe(this.#client)();
  }

  async apply(_message: PolicyMessage, _policy: Policy, renewed: boolean): Promise<void> {
    if (!renewed) return;
    // Registration wrote the oxd id and credentials to the config: read them afresh.
    const { config } = await OxdConfigFile.load(this.#options.oxdConfig);
    const previous = this.#client;
    this.#client = OxdClient.fromConfig(config, { logger: this.#logger.child({ component: 'oxd' }), poolSize: this.#poolSize });
    await previous?.close();
  }

  async close(): Promise<void> {
    await this.#client?.close();
  }
}

class AsWorkerAuthz implements WorkerAuthz {
  readonly decisions: WorkerAuthz['decisions'];
  readonly #session: AsSession;
  readonly #logger: Logger;
  #bindings: Bindings = new Map();
  #primed = false;

  constructor(session: AsSession, logger: Logger) {
    this.#session = session;
    this.#logger = logger;
    this.decisions = { service: 'as', check: (query) => session.check(query, this.#bindings), clear: () => { session.clear(); } };
  }

  probe(): ProbeCall | null {
    return this.#session.probe();
  }

  apply(message: PolicyMessage, policy: Policy): Promise<void> {
    // Every message carries the ids in force; one pass over the conditions rebuilds the table.
    this.#bindings = resourceBindings(policy, message.registeredIds);
    if (message.registered) this.#prime();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.#session.close();
  }

  /** Discovery and (JWT) the keys before the first request needs them; a failure is retried by that request. */
  #prime(): void {
    if (this.#primed) return;
    this.#primed = true;
    this.#session.prime().catch((err: unknown) => {
      this.#primed = false;
      this.#logger.debug({ err }, 'could not reach the authorization server yet; the first request tries again');
    });
  }
}
