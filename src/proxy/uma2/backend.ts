/**
 * Direct mode's backend in the process that registers (the only process, or the cluster
 * primary): discovery happens at the first registration (the AS may be down at boot; the boot
 * loop retries), then reconcile on register/repair, whose ids feed this process's decisions
 * (session.ts) and, through `registeredIds`, every cluster worker's.
 */
import type { Policy } from '../../policy/index.js';
import { isUmaTransportError } from '../../uma/index.js';
import type { AuthzAnswer, AuthzBackend, AuthzQuery, RegisteredId, RegistrationResult } from '../authz-backend.js';
import { transportFailures, type FailureModel, type ProbeCall } from '../oxd-guard.js';
import { desiredResources, resourceBindings } from './desired.js';
import { reconcile } from './reconcile.js';
import { AsSession, type AsSessionOptions, type Bindings } from './session.js';
import { UmaStateFile } from './state-file.js';

/** The AS's transport failures (unreachable, timeout, garbage); every other UmaError is an answer. */
export const AS_FAILURES: FailureModel = transportFailures('as', isUmaTransportError);

export interface Uma2BackendOptions extends AsSessionOptions {
  readonly onStateError: (err: unknown) => void;
}

export function createUma2Backend(options: Uma2BackendOptions): AuthzBackend {
  return new Uma2Backend(options);
}

class Uma2Backend implements AuthzBackend {
  readonly service = 'as';
  readonly #options: Uma2BackendOptions;
  readonly #session: AsSession;
  /** bindingKey(pattern, method) → the condition's AS resource, from the last reconcile. */
  #bindings: Bindings = new Map();
  #ids: readonly RegisteredId[] = [];

  constructor(options: Uma2BackendOptions) {
    this.#options = options;
    this.#session = new AsSession(options);
  }

  check(query: AuthzQuery): Promise<AuthzAnswer> {
    return this.#session.check(query, this.#bindings);
  }

  async register(policy: Policy): Promise<RegistrationResult> {
    const client = await this.#session.prime();
    const { settings } = this.#options;
    const desired = desiredResources(policy, client.dialect, settings.resourceNamePrefix);
    const result = await reconcile(
      {
        client,
        call: this.#session.call,
        state: new UmaStateFile(settings.stateFile, client.issuer, settings.clientId),
        namePrefix: settings.resourceNamePrefix,
        onStateError: this.#options.onStateError,
      },
      desired,
    );
    this.#ids = desired.flatMap((d) => {
      const id = result.ids.get(d.key);
      return id === undefined ? [] : [{ pattern: d.pattern, methods: d.methods, id }];
    });
    this.#bindings = resourceBindings(policy, this.#ids);
    return result.created + result.updated + result.deleted > 0 ? 'registered' : 'unchanged';
  }

  async repair(policy: Policy): Promise<void> {
    await this.register(policy);
  }

  registeredIds(): readonly RegisteredId[] {
    return this.#ids;
  }

  probe(): ProbeCall | null {
    return this.#session.probe();
  }

  clear(): void {
    this.#session.clear();
  }

  describe(): Readonly<Record<string, unknown>> {
    const { settings } = this.#options;
    const client = this.#session.client;
    return {
      as: {
        issuer: client?.issuer ?? settings.issuer,
        discovery: settings.discoveryUrl.href,
        dialect: client?.dialect ?? settings.dialect,
        clientId: settings.clientId,
        rptVerify: settings.rptVerify,
      },
    };
  }

  close(): Promise<void> {
    return this.#session.close();
  }
}
