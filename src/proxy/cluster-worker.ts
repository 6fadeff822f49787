/**
 * One cluster worker: a traffic plane fed by the primary. It compiles the policy text it is
 * sent (so every worker serves the same generation the primary validated and registered), asks
 * the primary when it detects drift, answers metrics requests, and drains on request, on
 * SIGTERM/SIGINT, or when the primary goes away. It never registers and never writes the oxd
 * config or the UMA state file: it decides under the registration the primary announces
 * (worker-authz.ts, per mode).
 */
import cluster from 'node:cluster';
import { parsePolicy, parsePolicyAsync } from '../policy/index.js';
import { parsePrimaryMessage, type PolicyMessage, type WorkerInput, type WorkerMessage } from './cluster-protocol.js';
import { sha256 } from './control-plane.js';
import { createLogger, type Logger } from './logger.js';
import { ProxyMetrics } from './metrics.js';
import { resolveServeOptions, type ServeOptions } from './options.js';
import { createGuarded, createOxdCapacity } from './oxd-control.js';
import type { OxdGuard } from './oxd-guard.js';
import { compileState, type PolicyState } from './policy-state.js';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, TrafficPlane } from './traffic.js';
import { workerAuthzFor, type WorkerAuthz } from './worker-authz.js';

/** A worker still busy this long after it began draining is cut short. */
const EXIT_GRACE_MS = 2_000;

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

/** Waits for the primary's init message, then serves until told to drain. */
export function runClusterWorker(): void {
  if (!cluster.isWorker || process.send === undefined) throw new Error('runClusterWorker runs only in a cluster worker started by umagate serve --workers');
  // SIGHUP is the primary's (it reloads); its default action would end this process.
  process.on('SIGHUP', () => undefined);
  const onInit = (raw: unknown): void => {
    const message = parsePrimaryMessage(raw);
    if (message?.type !== 'umagate:init') return;
    process.off('message', onInit);
    Worker.start(message.input, message.policy).catch((err: unknown) => {
      send({ type: 'umagate:failed', message: err instanceof Error ? err.message : String(err) });
      process.exitCode = 1;
      process.disconnect();
    });
  };
  process.on('message', onInit);
  send({ type: 'umagate:started' });
}

class Worker {
  readonly #options: ServeOptions;
  readonly #logger: Logger;
  readonly #metrics = new ProxyMetrics();
  readonly #guard: OxdGuard;
  readonly #authz: WorkerAuthz;
  readonly #traffic: TrafficPlane;
  readonly #drifts = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  /**
   * The registration epoch of the last policy message applied: what a drift report says it
   * decided under, and how a message announcing a new registration is told apart.
   */
  #epoch = 0;
  #nextDriftId = 0;
  /** Policy messages are applied one at a time, in order (oxd mode reads credentials asynchronously). */
  #applying: Promise<void> = Promise.resolve();
  #draining = false;

  private constructor(input: WorkerInput, policy: PolicyMessage) {
    this.#options = resolveServeOptions(input);
    this.#logger = createLogger(this.#options.logLevel).child({ worker: cluster.worker?.id ?? 0, pid: process.pid });
    const lanes = createOxdCapacity(this.#options, this.#metrics, input.oxdLanes);
    const { guard, service: authz } = createGuarded(workerAuthzFor(this.#options, this.#logger, lanes.poolSize, Date.now), {
      logger: this.#logger,
      metrics: this.#metrics,
      breaker: input.breaker,
      capacity: lanes.capacity,
    });
    this.#guard = guard;
    this.#authz = authz;
    this.#traffic = new TrafficPlane({
      options: this.#options,
      logger: this.#logger,
      metrics: this.#metrics,
      now: Date.now,
      guard: this.#guard,
      decisions: authz.decisions,
      repairRegistration: (generation) => this.#reportDrift(generation),
      // Synchronous: the worker serves nothing yet, and no message from the primary may arrive
      // before it listens for them (below, in the same turn).
      initialState: compileState(parsePolicy(policy.text, this.#options.policyFile), policy.generation, sha256(policy.text)),
      headersTimeoutMs: input.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
      requestTimeoutMs: input.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    });
  }

  static async start(input: WorkerInput, policy: PolicyMessage): Promise<Worker> {
    const worker = new Worker(input, policy);
    worker.#applying = worker.#apply(policy);
    worker.#listenToPrimary();
    await worker.#applying;
    const url = await worker.#traffic.listen(worker.#options.listen);
    send({ type: 'umagate:ready', url, generation: worker.#traffic.state.generation, registered: worker.#traffic.registered });
    return worker;
  }

  #listenToPrimary(): void {
    process.on('message', (raw: unknown) => {
      const message = parsePrimaryMessage(raw);
      if (message === null) return;
      switch (message.type) {
        case 'umagate:policy':
          this.#applying = this.#applying.then(() => this.#apply(message)).then(
            () => {
              send({ type: 'umagate:applied', generation: this.#traffic.state.generation, registered: this.#traffic.registered });
            },
            (err: unknown) => {
              this.#logger.error({ err }, 'could not apply the policy the primary sent; the previous one stays in force');
            },
          );
          return;
        case 'umagate:repaired':
          // The repair's new registration was sent before this answer: retry only once it is in force.
          void this.#applying.then(() => {
            this.#settleDrift(message.id, message.error);
          });
          return;
        case 'umagate:metrics-request':
          void this.#metrics.registry.getMetricsAsJSON().then((metrics) => {
            send({ type: 'umagate:metrics', id: message.id, metrics });
          });
          return;
        case 'umagate:drain':
          void this.#drain();
          return;
        case 'umagate:init':
          return;
      }
    });
    process.on('SIGTERM', () => void this.#drain());
    process.on('SIGINT', () => void this.#drain());
    // The primary is gone: nobody supervises this worker any more.
    process.on('disconnect', () => void this.#drain());
  }

  async #apply(message: PolicyMessage): Promise<void> {
    // The policy and the registration it was registered under are swapped in together: a request
    // is judged by one generation, and decided under the ids of that generation.
    const state = message.generation === this.#traffic.state.generation ? this.#traffic.state : await compilePolicyMessage(message, this.#options.policyFile);
    // Grants obtained under the previous credentials or ids must go with them.
    const renewed = message.registered && message.registrationEpoch !== this.#epoch;
    await this.#authz.apply(message, state.policy, renewed);
    if (renewed) this.#traffic.forgetGrants();
    this.#epoch = message.registrationEpoch;
    this.#traffic.apply(state, message.registered);
  }

  #reportDrift(generation: number): Promise<void> {
    const id = this.#nextDriftId++;
    return new Promise((resolve, reject) => {
      this.#drifts.set(id, { resolve, reject });
      send({ type: 'umagate:drift', id, generation, epoch: this.#epoch });
    });
  }

  #settleDrift(id: number, error: string | null): void {
    const waiter = this.#drifts.get(id);
    if (waiter === undefined) return;
    this.#drifts.delete(id);
    if (error === null) waiter.resolve();
    else waiter.reject(new Error(error));
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    for (const waiter of this.#drifts.values()) waiter.reject(new Error('the worker is draining'));
    this.#drifts.clear();
    this.#guard.stop();
    const cut = await this.#traffic.close();
    await this.#authz.close();
    this.#logger.info({ inFlightCut: cut }, 'worker stopped');
    if (process.connected) process.disconnect();
    setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
  }
}

/** A new generation, while the worker serves: the ReDoS analysis must not stall its traffic. */
async function compilePolicyMessage(message: PolicyMessage, policyFile: string): Promise<PolicyState> {
  return compileState(await parsePolicyAsync(message.text, policyFile), message.generation, sha256(message.text));
}
