/**
 * Everything around one call to the authorization service — oxd, or the AS itself in direct
 * mode: a deadline, a single safe retry, a circuit breaker and the latency metric. Transport
 * failures (unreachable, timeout, garbage) become AuthorizationUnavailableError here, once; the
 * service's own error answers pass through untouched because they are answers, and they count as
 * the service being up. Which errors are which is the service's FailureModel.
 *
 * While the breaker is open, a background probe (a timer, not client traffic) asks oxd every
 * probe interval, so service resumes within one interval of oxd's return even when no request
 * arrives to probe with (ARCHITECTURE.md, *Boot, reload and outages*).
 */
import { errorMessage, isUmagateError } from '../errors.js';
import { isOxdTransportError } from '../oxd/index.js';
import type { AuthzService } from './authz-backend.js';
import { AuthorizationUnavailableError, type ServiceFailure } from './errors.js';
import type { BreakerState, ProxyMetrics } from './metrics.js';
import type { OxdCapacity, OxdCaller } from './oxd-capacity.js';

/** Consecutive transport failures that open the breaker. */
const DEFAULT_FAILURE_THRESHOLD = 3;
/** While open, one probe call goes through this often (README, *oxd outages*: at least every 5 s). */
const DEFAULT_PROBE_INTERVAL_MS = 2_000;

/** One cheap, side-effect-free oxd call for the background probe (see oxd-probe.ts). */
export interface ProbeCall {
  /** Wire command name, for the metric label. */
  readonly command: string;
  readonly run: (signal: AbortSignal) => Promise<unknown>;
}

/** How one service's failures look: what is a transport failure, and what is an answer. */
export interface FailureModel {
  readonly service: AuthzService;
  /** How a thrown error failed to reach an answer, or null when it is the service's own answer. */
  classify(err: unknown): ServiceFailure | null;
  /** The metric's result label for a failed call (the error's stable code). */
  label(err: unknown): string;
}

/**
 * The failure model of a client whose transport failures are its errors coded
 * `<service>_unreachable`, `<service>_timeout` and `<service>_bad_response` (as OxdError and
 * UmaError are); every other error of its own is an answer from the service.
 */
export function transportFailures(service: AuthzService, isTransport: (err: unknown) => boolean): FailureModel {
  return {
    service,
    classify(err) {
      if (!isTransport(err) || !isUmagateError(err)) return null;
      return err.code === `${service}_unreachable` ? 'unreachable' : err.code === `${service}_timeout` ? 'timeout' : 'bad_response';
    },
    label: (err) => (isUmagateError(err) ? err.code : 'error'),
  };
}

export const OXD_FAILURES: FailureModel = transportFailures('oxd', isOxdTransportError);

/**
 * What calls through a guard and is probed through by it (a process's authorization backend):
 * the guard needs its failure model and deadline first, it needs the guard: hence a factory.
 */
export interface GuardedFactory<T extends { probe(): ProbeCall | null }> {
  readonly failures: FailureModel;
  /** Deadline of one guarded call. */
  readonly timeoutMs: number;
  create(guard: OxdGuard): T;
}

/** The deadline ran out; raised by the guard itself, so it looks the same for every service. */
class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

export interface OxdGuardOptions {
  readonly timeoutMs: number;
  /** The service guarded (default: oxd). */
  readonly failures?: FailureModel;
  readonly failureThreshold?: number;
  readonly probeIntervalMs?: number;
  readonly now: () => number;
  readonly metrics: ProxyMetrics;
  readonly onStateChange?: (from: BreakerState, to: BreakerState) => void;
  /**
   * What the background probe sends while the breaker is open, or null when there is nothing to
   * probe with yet (it is asked again an interval later). Without it, only calls probe.
   */
  readonly probe?: () => ProbeCall | null;
  /** Lanes and per-client bounds for calls made on behalf of a request (see oxd-capacity.ts). */
  readonly capacity?: OxdCapacity;
}

export interface GuardedCall {
  /** Wire command name, for the metric label. */
  readonly command: string;
  /**
   * Retry once on oxd_unreachable (connection refused or dropped before any answer), which is
   * safe for idempotent commands. Never on a timeout: oxd may be busy, and doubling the load of
   * an overloaded oxd makes the outage longer.
   */
  readonly retryUnreachable: boolean;
  /**
   * The request this call is made for: it waits for a slot of its lane first, or is shed with
   * OxdCapacityError. Boot, reload and probe calls have none.
   */
  readonly caller?: OxdCaller;
}

export class OxdGuard {
  readonly #options: OxdGuardOptions;
  readonly #model: FailureModel;
  readonly #threshold: number;
  readonly #probeIntervalMs: number;
  #state: BreakerState = 'closed';
  #failures = 0;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #probeInFlight = false;
  #reachable = false;
  #probeTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: OxdGuardOptions) {
    this.#options = options;
    this.#model = options.failures ?? OXD_FAILURES;
    this.#threshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.#probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
    options.metrics.setBreakerState('closed');
    options.metrics.setReachable(this.#model.service, false);
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Whether the last call got an answer from oxd (for /readyz and logs). */
  get reachable(): boolean {
    return this.#reachable;
  }

  /** Seconds a client should wait before retrying while oxd is unavailable. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.#probeIntervalMs / 1000));
  }

  /**
   * Runs `work` under the guard. Its signal aborts when the deadline passes: hand it to the oxd
   * client, so the request in flight is cancelled rather than left to finish unheard.
   */
  async call<T>(spec: GuardedCall, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { capacity } = this.#options;
    if (spec.caller === undefined || capacity === undefined) return this.#run(spec, work, { probe: this.#admit() });
    // Waiting for a lane slot happens before the deadline starts and the breaker is asked: a
    // queue is never an oxd failure, and a shed call never reached oxd.
    const release = await capacity.enter(spec.caller);
    try {
      return await this.#run(spec, work, { probe: this.#admit() });
    } finally {
      release();
    }
  }

  /** Stops the background probe for good (the proxy is shutting down). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#probeTimer);
  }

  async #run<T>(spec: GuardedCall, work: (signal: AbortSignal) => Promise<T>, { probe }: { readonly probe: boolean }): Promise<T> {
    try {
      const result = await this.#attempt(spec, work).catch(async (err: unknown) => {
        if (spec.retryUnreachable && this.#state === 'closed' && this.#model.classify(err) === 'unreachable') {
          return this.#attempt(spec, work);
        }
        throw err;
      });
      this.#succeeded();
      return result;
    } catch (err) {
      const failure = err instanceof DeadlineExceeded ? 'timeout' : this.#model.classify(err);
      if (failure === null && !(err instanceof AuthorizationUnavailableError)) {
        this.#succeeded();
        throw err;
      }
      this.#failed();
      throw this.#toUnavailable(err, failure ?? 'error');
    } finally {
      if (probe) this.#probeInFlight = false;
    }
  }

  /** Lets a call through (returns true when it is the half-open probe) or fails fast. */
  #admit(): boolean {
    const now = this.#options.now();
    if (this.#state === 'closed') {
      this.#lastAttemptAt = now;
      return false;
    }
    if (!this.#probeInFlight && now - this.#lastAttemptAt >= this.#probeIntervalMs) {
      this.#startProbe(now);
      return true;
    }
    throw new AuthorizationUnavailableError('breaker_open', `${this.#serviceName()} is failing; calls are held back until a probe succeeds`);
  }

  #startProbe(now: number): void {
    this.#probeInFlight = true;
    this.#lastAttemptAt = now;
    this.#setState('half_open');
  }

  #scheduleProbe(): void {
    if (this.#options.probe === undefined || this.#stopped) return;
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(() => {
      this.#backgroundProbe();
    }, this.#probeIntervalMs);
    // An outage must never keep a stopping process alive.
    this.#probeTimer.unref();
  }

  #backgroundProbe(): void {
    // A call's own probe is under way: its failure re-opens the breaker, which schedules again.
    if (this.#state !== 'open' || this.#probeInFlight) return;
    const probe = this.#options.probe?.() ?? null;
    if (probe === null) {
      this.#scheduleProbe();
      return;
    }
    this.#startProbe(this.#options.now());
    // One attempt: the next one comes an interval later anyway. A failure re-opens the breaker
    // (scheduling the next probe) and is already counted; there is no caller to tell.
    this.#run({ command: probe.command, retryUnreachable: false }, probe.run, { probe: true }).catch(() => undefined);
  }

  async #attempt<T>(spec: GuardedCall, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The race keeps the deadline even for work that ignores the signal (a token refresh on the way).
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new DeadlineExceeded(`${this.#serviceName()} did not answer ${spec.command} within ${this.#options.timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, this.#options.timeoutMs);
    });
    let result = 'ok';
    try {
      return await Promise.race([work(controller.signal), deadline]);
    } catch (err) {
      result = err instanceof DeadlineExceeded ? `${this.#model.service}_timeout` : this.#model.label(err);
      throw err;
    } finally {
      clearTimeout(timer);
      this.#options.metrics.observeServiceCall(this.#model.service, spec.command, result, (performance.now() - started) / 1000);
    }
  }

  #serviceName(): string {
    return this.#model.service === 'oxd' ? 'oxd' : 'the authorization server';
  }

  #toUnavailable(err: unknown, failure: ServiceFailure): AuthorizationUnavailableError {
    if (err instanceof AuthorizationUnavailableError) return err;
    const message = `${this.#serviceName()} call failed: ${errorMessage(err)}`;
    return new AuthorizationUnavailableError(`${this.#model.service}_${failure}`, message, { cause: err });
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#reachable = true;
    this.#options.metrics.setReachable(this.#model.service, true);
    this.#setState('closed');
  }

  #failed(): void {
    this.#failures += 1;
    this.#reachable = false;
    this.#options.metrics.setReachable(this.#model.service, false);
    if (this.#state === 'half_open' || this.#failures >= this.#threshold) this.#setState('open');
  }

  #setState(next: BreakerState): void {
    if (next === this.#state) return;
    const previous = this.#state;
    this.#state = next;
    if (next === 'open') this.#scheduleProbe();
    else if (next === 'closed') clearTimeout(this.#probeTimer);
    this.#options.metrics.setBreakerState(next);
    this.#options.onStateChange?.(previous, next);
  }
}
