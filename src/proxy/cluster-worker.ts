/**
 * One cluster worker: a traffic plane fed by the primary. It compiles the policy text it is
 * sent (so every worker serves the same generation the primary validated and registered), asks
 * the primary when it detects drift, answers metrics requests, and drains on request, on
 * SIGTERM/SIGINT, or when the primary goes away. It never registers and never writes the oxd
 * config: it reads its credentials from it after each registration the primary announces.
 */
import cluster from 'node:cluster';
import { OxdClient, OxdConfigFile } from '../oxd/index.js';
import { parsePolicy } from '../policy/index.js';
import { parsePrimaryMessage, type PolicyMessage, type WorkerInput, type WorkerMessage } from './cluster-protocol.js';
import { sha256 } from './control-plane.js';
import { createLogger, type Logger } from './logger.js';
import { ProxyMetrics } from './metrics.js';
import { resolveServeOptions, type ServeOptions } from './options.js';
import { createOxdCapacity, createOxdGuard } from './oxd-control.js';
import type { OxdGuard } from './oxd-guard.js';
import { oxdProbe, type ProbeClient } from './oxd-probe.js';
import { guardedOxdCheck } from './oxd-backend.js';
import { compileState, type PolicyState } from './policy-state.js';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, TrafficPlane } from './traffic.js';

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
  /** oxd connections of this worker's client: one per lane slot, plus a few. */
  readonly #poolSize: number;
  readonly #traffic: TrafficPlane;
  readonly #drifts = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  #client: OxdClient | null = null;
  #epoch = 0;
  #nextDriftId = 0;
  /** Policy messages are applied one at a time, in order (reading credentials is asynchronous). */
  #applying: Promise<void> = Promise.resolve();
  #draining = false;

  private constructor(input: WorkerInput, policy: PolicyMessage) {
    this.#options = resolveServeOptions(input);
    this.#logger = createLogger(this.#options.logLevel).child({ worker: cluster.worker?.id ?? 0, pid: process.pid });
    const lanes = createOxdCapacity(this.#options, this.#metrics, input.oxdLanes);
    this.#poolSize = lanes.poolSize;
    this.#guard = createOxdGuard({ timeoutMs: this.#options.oxdTimeoutMs, probe: oxdProbe(this.#probeClient()), logger: this.#logger, metrics: this.#metrics, breaker: input.breaker, capacity: lanes.capacity });
    this.#traffic = new TrafficPlane({
      options: this.#options,
      logger: this.#logger,
      metrics: this.#metrics,
      now: Date.now,
      guard: this.#guard,
      decisions: this.#decisions(),
      repairRegistration: (generation) => this.#reportDrift(generation),
      initialState: this.#compile(policy),
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
    send({ type: 'umagate:ready', url, generation: worker.#traffic.state.generation });
    return worker;
  }

  /**
   * Decisions through whichever oxd client is current. Checks run only once registered (enforce.ts
   * answers 503 before that), when a client exists.
   */
  #decisions(): ReturnType<typeof guardedOxdCheck> {
    const client = (): OxdClient => {
      if (this.#client === null) throw new Error('no oxd client before the site is registered');
      return this.#client;
    };
    return guardedOxdCheck(client, this.#guard, { cacheMax: this.#options.cacheMax, now: Date.now });
  }

  /** The breaker probes through whichever client is current (none before registration). */
  #probeClient(): ProbeClient {
    const current = (): OxdClient | null => this.#client;
    return {
      get protocol() {
        return current()?.protocol ?? 'rest';
      },
      get oxdId() {
        return current()?.oxdId ?? null;
      },
      getRp: () => current()?.getRp() ?? Promise.reject(new Error('no oxd client yet')),
      introspectRpt: (rpt) => current()?.introspectRpt(rpt) ?? Promise.reject(new Error('no oxd client yet')),
    };
  }

  #listenToPrimary(): void {
    process.on('message', (raw: unknown) => {
      const message = parsePrimaryMessage(raw);
      if (message === null) return;
      switch (message.type) {
        case 'umagate:policy':
          this.#applying = this.#applying.then(() => this.#apply(message)).then(
            () => {
              send({ type: 'umagate:applied', generation: this.#traffic.state.generation });
            },
            (err: unknown) => {
              this.#logger.error({ err }, 'could not apply the policy the primary sent; the previous one stays in force');
            },
          );
          return;
        case 'umagate:repaired':
          this.#settleDrift(message.id, message.error);
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

  #compile(message: PolicyMessage): PolicyState {
    return compileState(parsePolicy(message.text, this.#options.policyFile), message.generation, sha256(message.text));
  }

  async #apply(message: PolicyMessage): Promise<void> {
    if (message.registered && message.registrationEpoch !== this.#epoch) {
      // Registration wrote the oxd id and credentials to the config: read them afresh.
      const { config } = await OxdConfigFile.load(this.#options.oxdConfig);
      const previous = this.#client;
      this.#client = OxdClient.fromConfig(config, { logger: this.#logger.child({ component: 'oxd' }), poolSize: this.#poolSize });
      this.#epoch = message.registrationEpoch;
      this.#traffic.forgetGrants();
      await previous?.close();
    }
    const state = message.generation === this.#traffic.state.generation ? this.#traffic.state : this.#compile(message);
    this.#traffic.apply(state, message.registered);
  }

  #reportDrift(generation: number): Promise<void> {
    const id = this.#nextDriftId++;
    return new Promise((resolve, reject) => {
      this.#drifts.set(id, { resolve, reject });
      send({ type: 'umagate:drift', id, generation });
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
    await this.#client?.close();
    this.#logger.info({ inFlightCut: cut }, 'worker stopped');
    if (process.connected) process.disconnect();
    setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
  }
}
