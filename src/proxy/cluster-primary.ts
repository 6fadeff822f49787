/**
 * `--workers N` (N > 1): this process is the node:cluster primary. It validates and registers
 * the policy once, owns the admin listener, the reload watcher and drift repair (the control
 * plane), and supervises N traffic workers (cluster-worker.ts) that share the traffic port.
 * Every worker gets the policy as text with its generation; a reload reaches all of them as the
 * same generation, and a request is judged by the one policy its worker holds at that moment.
 * A worker that dies is replaced with backoff; /metrics sums the workers' registries with
 * prom-client's aggregator; /readyz is ready once every worker serves the registered policy.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DestinationStream } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { createAdminServer, type ReadinessReport } from './admin.js';
import { parseWorkerMessage, type PolicyMessage, type PrimaryMessage, type WorkerInput, type WorkerMessage } from './cluster-protocol.js';
import { ControlPlane, describe, loadPolicyFile, type ControlSnapshot } from './control-plane.js';
import type { Logger } from './logger.js';
import { ProxyMetrics } from './metrics.js';
import type { ServeOptions } from './options.js';
import { createOxdControl, type OxdControl } from './oxd-control.js';
import { readinessOf, startRunning, type RunningProxy, type StartProxyOptions } from './running.js';
import { listen } from './traffic.js';

/** First replacement delay of a worker that died; doubles per quick death up to RESTART_MAX_MS. */
const RESTART_INITIAL_MS = 100;
const RESTART_MAX_MS = 5_000;
/** A worker that lived this long resets its slot's backoff. */
const RESTART_STABLE_MS = 10_000;
/** How long a metrics scrape waits for the workers' figures. */
const METRICS_TIMEOUT_MS = 2_000;
/** Beyond the shutdown grace, how long a draining worker may take before it is killed. */
const DRAIN_EXTRA_MS = 3_000;
const WORKER_READY_TIMEOUT_MS = 30_000;

interface Slot {
  worker: Worker;
  startedAt: number;
  /**
   * The generation the worker serves and whether it decides protected paths under it, null until
   * it listens: a worker that has the generation but not yet its registration is not ready.
   */
  serving: { readonly generation: number; readonly registered: boolean } | null;
  restarts: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export async function startClusterPrimary(options: ServeOptions, input: StartProxyOptions, logger: Logger): Promise<RunningProxy> {
  const loaded = await loadPolicyFile(options.policyFile);
  const metrics = new ProxyMetrics();
  // The primary serves no request: no lanes, only registration, reloads, repairs and probes.
  const oxd = await createOxdControl(options, logger, metrics, { breaker: input.breaker, lanes: undefined, now: input.now ?? Date.now });
  const supervisor = new Supervisor(options, workerInput(input), logger, input.logDestination);
  const control = new ControlPlane(
    { options, logger, metrics, registrar: oxd.backend, watchPolicy: input.watchPolicy ?? true, publish: (snapshot) => {
        supervisor.publish(snapshot);
      } },
    loaded,
  );
  supervisor.bind(control, metrics);
  const admin = createAdminServer({
    metrics: { contentType: AggregatorRegistry.PROMETHEUS_CONTENT_TYPE, text: () => supervisor.metricsText() },
    readiness: () => supervisor.readiness(oxd),
  });
  let url: string;
  let adminUrl: string;
  try {
    url = await supervisor.startAll();
    adminUrl = await listen(admin, options.adminListen);
  } catch (err) {
    await supervisor.stopAll();
    closeAdmin(admin);
    await oxd.backend.close();
    throw err;
  }
  return startRunning({
    url,
    adminUrl,
    options,
    logger,
    control,
    oxd,
    admin,
    stopTraffic: async () => {
      await supervisor.stopAll();
      return {};
    },
  });
}

function workerInput(input: StartProxyOptions): WorkerInput {
  const { logDestination: _destination, now: _now, watchPolicy: _watch, ...plain } = input;
  return plain;
}

function closeAdmin(admin: Server): void {
  admin.close();
  admin.closeAllConnections();
}

function policyMessage(snapshot: ControlSnapshot): PolicyMessage {
  const { state, text, registered, registrationEpoch, registeredIds } = snapshot;
  return { type: 'umagate:policy', generation: state.generation, text, registered, registrationEpoch, registeredIds };
}

class Supervisor {
  readonly #options: ServeOptions;
  readonly #input: WorkerInput;
  readonly #logger: Logger;
  /** Where the workers' log lines go when not to the shared stdout (the caller's log destination). */
  readonly #relay: DestinationStream | undefined;
  readonly #slots: Slot[] = [];
  readonly #metricWaits = new Map<number, { pending: number; results: MetricObjectWithValues<MetricValue<string>>[][]; done: () => void }>();
  #control: ControlPlane | null = null;
  #metrics: ProxyMetrics | null = null;
  #nextMetricsId = 0;
  #stopping = false;

  constructor(options: ServeOptions, input: WorkerInput, logger: Logger, relay: DestinationStream | undefined) {
    this.#options = options;
    this.#input = input;
    this.#logger = logger;
    this.#relay = relay;
    // With a log destination of the caller's, the workers' lines join the primary's there
    // instead of landing on the process's stdout beside them.
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./cluster-worker-main.js', import.meta.url)), args: [], silent: relay !== undefined });
  }

  bind(control: ControlPlane, metrics: ProxyMetrics): void {
    this.#control = control;
    this.#metrics = metrics;
  }

  #bound(): ControlPlane {
    if (this.#control === null) throw new Error('supervisor used before bind');
    return this.#control;
  }

  /** Forks every worker and resolves with the shared traffic URL once all of them listen. */
  async startAll(): Promise<string> {
    const urls = await Promise.all(Array.from({ length: this.#options.workers }, () => this.#fork(null)));
    return urls[0] ?? '';
  }

  publish(snapshot: ControlSnapshot): void {
    const message = policyMessage(snapshot);
    for (const slot of this.#slots) this.#send(slot.worker, message);
  }

  #send(worker: Worker, message: PrimaryMessage): void {
    if (worker.isConnected()) worker.send(message);
  }

  #fork(slot: Slot | null): Promise<string> {
    const worker = cluster.fork();
    this.#relayOutput(worker);
    const current: Slot = slot ?? { worker, startedAt: Date.now(), serving: null, restarts: 0, restartTimer: undefined };
    current.worker = worker;
    current.startedAt = Date.now();
    current.serving = null;
    if (slot === null) this.#slots.push(current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`traffic worker ${worker.id} did not start listening within ${WORKER_READY_TIMEOUT_MS} ms`));
      }, WORKER_READY_TIMEOUT_MS);
      const settle = (): void => {
        clearTimeout(timer);
      };
      worker.on('message', (raw: unknown) => {
        const message = parseWorkerMessage(raw);
        if (message === null) return;
        if (message.type === 'umagate:started') {
          this.#send(worker, { type: 'umagate:init', input: this.#input, policy: policyMessage(this.#bound().snapshot) });
        } else if (message.type === 'umagate:ready') {
          settle();
          current.serving = { generation: message.generation, registered: message.registered };
          resolve(message.url);
        } else if (message.type === 'umagate:failed') {
          settle();
          reject(new Error(`traffic worker ${worker.id} failed to start: ${message.message}`));
        } else {
          this.#onMessage(current, message);
        }
      });
      worker.once('exit', (code, signal) => {
        settle();
        reject(new Error(`traffic worker ${worker.id} exited before listening (signal ${signal}, code ${String(code)})`));
        this.#onExit(current, worker, code, signal);
      });
    });
  }

  /** A silent worker's stdout, line by line, into the log destination; its stderr to ours. */
  #relayOutput(worker: Worker): void {
    const relay = this.#relay;
    const { stdout, stderr } = worker.process;
    if (relay === undefined || stdout === null) return;
    createInterface({ input: stdout, crlfDelay: Infinity }).on('line', (line) => {
      relay.write(`${line}\n`);
    });
    stderr?.pipe(process.stderr, { end: false });
  }

  #onMessage(slot: Slot, message: WorkerMessage): void {
    switch (message.type) {
      case 'umagate:applied':
        slot.serving = { generation: message.generation, registered: message.registered };
        return;
      case 'umagate:drift': {
        const control = this.#control;
        if (control === null) return;
        const worker = slot.worker;
        control.repair(message.generation, message.epoch).then(
          () => {
            this.#send(worker, { type: 'umagate:repaired', id: message.id, error: null });
          },
          (err: unknown) => {
            this.#send(worker, { type: 'umagate:repaired', id: message.id, error: describe(err) });
          },
        );
        return;
      }
      case 'umagate:metrics': {
        const wait = this.#metricWaits.get(message.id);
        if (wait === undefined) return;
        wait.results.push(message.metrics);
        wait.pending -= 1;
        if (wait.pending === 0) wait.done();
        return;
      }
      case 'umagate:started':
      case 'umagate:ready':
      case 'umagate:failed':
        return;
    }
  }

  #onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (this.#stopping || slot.worker !== worker) return;
    slot.serving = null;
    const lived = Date.now() - slot.startedAt;
    slot.restarts = lived >= RESTART_STABLE_MS ? 0 : slot.restarts + 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_INITIAL_MS * 2 ** Math.max(0, slot.restarts - 1));
    this.#logger.error({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay }, 'traffic worker exited; starting a replacement');
    slot.restartTimer = setTimeout(() => {
      if (this.#stopping) return;
      this.#fork(slot).catch((err: unknown) => {
        // Its exit (if it died) schedules the next attempt with a longer delay.
        this.#logger.error({ err: describe(err) }, 'replacement traffic worker failed to start');
      });
    }, delay);
  }

  readiness(oxd: OxdControl): ReadinessReport {
    const control = this.#bound();
    const own = readinessOf(control, oxd);
    const { state, registered } = control.snapshot;
    const ready = this.#slots.filter((slot) => slot.serving?.generation === state.generation && slot.serving.registered === registered).length;
    return { ...own, ready: own.ready && ready === this.#options.workers, workers: { expected: this.#options.workers, ready } };
  }

  /** The primary's own metrics plus every live worker's, summed (gauges by their aggregator). */
  async metricsText(): Promise<string> {
    const own = await (this.#metrics?.registry.getMetricsAsJSON() ?? Promise.resolve([]));
    const live = this.#slots.map((slot) => slot.worker).filter((worker) => worker.isConnected());
    const id = this.#nextMetricsId++;
    const results: MetricObjectWithValues<MetricValue<string>>[][] = [own];
    if (live.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#metricWaits.set(id, { pending: live.length, results, done: resolve });
        timer = setTimeout(resolve, METRICS_TIMEOUT_MS);
        for (const worker of live) this.#send(worker, { type: 'umagate:metrics-request', id });
      });
      clearTimeout(timer);
      this.#metricWaits.delete(id);
    }
    return AggregatorRegistry.aggregate(results).metrics();
  }

  /** Asks every worker to drain; kills those still running after the grace period. */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    const running = this.#slots.map((slot) => {
      clearTimeout(slot.restartTimer);
      return slot.worker;
    }).filter((worker) => !worker.isDead());
    const exits = running.map((worker) => new Promise<void>((resolve) => {
      worker.once('exit', () => {
        resolve();
      });
    }));
    for (const worker of running) this.#send(worker, { type: 'umagate:drain' });
    const killer = setTimeout(() => {
      for (const worker of running) worker.process.kill('SIGKILL');
    }, this.#options.shutdownGraceMs + DRAIN_EXTRA_MS);
    await Promise.all(exits);
    clearTimeout(killer);
  }
}
