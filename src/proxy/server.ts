/**
 * Composition and lifecycle: options → policy → oxd client → guard/cache/authorizer →
 * listeners; boot registration (retried with capped, jittered backoff, never fatal), live
 * reloads, and draining shutdown. Exposes startProxy() for the CLI, tests and the sandbox.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import type { DestinationStream } from 'pino';
import { OxdClient, OxdConfigFile } from '../oxd/index.js';
import { errorCode, errorMessage } from '../errors.js';
import { PolicyError, formatProblem, parsePolicy, readPolicyFile } from '../policy/index.js';
import type { Policy } from '../policy/index.js';
import { createAdminServer, type ReadinessReport } from './admin.js';
import { Authorizer } from './authorize.js';
import { DecisionCache, SingleFlight } from './decision-cache.js';
import type { EnforceContext } from './enforce.js';
import { createForwarder } from './forward.js';
import { handleHttp, handleUpgrade, type HandlerDeps } from './handle-request.js';
import { createLogger, type Logger } from './logger.js';
import { ProxyMetrics } from './metrics.js';
import { resolveServeOptions, type ListenAddress, type ServeOptions, type ServeOptionsInput } from './options.js';
import { DEFAULT_LANES, OxdCapacity, type OxdCapacityOptions } from './oxd-capacity.js';
import { OxdGuard } from './oxd-guard.js';
import { oxdProbe } from './oxd-probe.js';
import { compileState, type PolicyState } from './policy-state.js';
import { Registrar, recordFileFor } from './registrar.js';
import { Serial, watchFile, type ReloadResult, type ReloadTrigger } from './reload.js';
import { sendRejection } from './respond.js';
import { RptLifetime } from './rpt-lifetime.js';

/** oxd connections beyond the lanes' slots, for calls made for no request (boot, reload, probe). */
const UNLANED_CONNECTIONS = 2;
/** Boot registration retries start here and double up to BOOT_RETRY_MAX_MS (ARCHITECTURE.md, *Boot*: ≤ 5 s apart). */
export const BOOT_RETRY_INITIAL_MS = 200;
export const BOOT_RETRY_MAX_MS = 5_000;
/** After a reload could not be registered (oxd down), it is tried again this much later. */
const RELOAD_RETRY_MS = 5_000;
/**
 * A client must finish its request head this fast (Node's default is 60 s, checked only every
 * 30 s): slowloris clients that trickle header bytes are cut after at most ~22 s, not ~90 s.
 */
export const HEADERS_TIMEOUT_MS = 20_000;
/** The whole request, body included (Node's default, made explicit): slow uploads still fit. */
const REQUEST_TIMEOUT_MS = 300_000;

export interface StartProxyOptions extends ServeOptionsInput {
  /** Where JSON log lines go (default stdout). */
  readonly logDestination?: DestinationStream;
  /** Wall clock in ms since the epoch, for cache TTLs and RPT expiry (tests inject fake time). */
  readonly now?: () => number;
  /** Watch the policy file for edits (default true). */
  readonly watchPolicy?: boolean;
  /** Circuit breaker tuning (defaults in oxd-guard.ts). */
  readonly breaker?: { readonly failureThreshold?: number; readonly probeIntervalMs?: number };
  /** Request-head deadline (default HEADERS_TIMEOUT_MS; tests shorten it). */
  readonly headersTimeoutMs?: number;
  /** oxd lanes for requests with and without a token (default DEFAULT_LANES). */
  readonly oxdLanes?: OxdCapacityOptions['lanes'];
}

export interface RunningProxy {
  /** Base URL of the traffic listener, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly adminUrl: string;
  readonly logger: Logger;
  /** Resolves once the policy has been registered with oxd since boot. */
  readonly registered: Promise<void>;
  /** Re-reads the policy file now (what SIGHUP does). */
  reload(): Promise<ReloadResult>;
  /** Stops accepting, drains in-flight requests (bounded by the shutdown grace), releases everything. */
  close(): Promise<void>;
}

export async function startProxy(input: StartProxyOptions): Promise<RunningProxy> {
  const options = resolveServeOptions(input);
  const logger = createLogger(options.logLevel, input.logDestination);
  const now = input.now ?? Date.now;
  const initialText = await readPolicyFile(options.policyFile);
  const state0 = compileState(parsePolicy(initialText, options.policyFile), 1, sha256(initialText));
  const metrics = new ProxyMetrics();
  const capacity = new OxdCapacity({ lanes: input.oxdLanes ?? DEFAULT_LANES, perClient: options.oxdPerClient, metrics });
  // Every lane slot gets a connection of its own (plus some for boot, reload and probe calls),
  // so a call admitted by its lane never waits for the transport inside its oxd deadline.
  const poolSize = capacity.concurrency + UNLANED_CONNECTIONS;
  const client = await OxdClient.fromConfigFile(options.oxdConfig, { logger: logger.child({ component: 'oxd' }), poolSize });
  const oxdConfig = (await OxdConfigFile.load(options.oxdConfig)).config;
  return new ProxyRuntime({ options, input, logger, now, client, state: state0, oxdAddress: oxdAddress(oxdConfig), metrics, capacity }).start();
}

/** What startProxy has built before the runtime composes the rest. */
interface RuntimeParts {
  readonly options: ServeOptions;
  readonly input: StartProxyOptions;
  readonly logger: Logger;
  readonly now: () => number;
  readonly client: OxdClient;
  readonly state: PolicyState;
  readonly oxdAddress: string;
  readonly metrics: ProxyMetrics;
  readonly capacity: OxdCapacity;
}

class ProxyRuntime {
  readonly #options: ServeOptions;
  readonly #input: StartProxyOptions;
  readonly #logger: Logger;
  readonly #client: OxdClient;
  readonly #oxdAddress: string;
  readonly #metrics: ProxyMetrics;
  readonly #guard: OxdGuard;
  readonly #authorizer: Authorizer;
  readonly #registrar: Registrar;
  readonly #serial = new Serial();
  readonly #repairs = new SingleFlight<undefined>();
  readonly #forwarder;
  readonly #server: Server;
  readonly #admin: Server;
  readonly #upgraded = new Set<Socket>();
  #state: PolicyState;
  #registered = false;
  #closing = false;
  #inFlight = 0;
  #drained: (() => void) | null = null;
  #bootTimer: NodeJS.Timeout | undefined;
  #reloadRetry: NodeJS.Timeout | undefined;
  #watcher: { close(): void } | null = null;
  #markRegistered: () => void = () => undefined;
  readonly #registeredPromise: Promise<void>;

  constructor(parts: RuntimeParts) {
    const { options, input, logger, now, client, state, oxdAddress } = parts;
    this.#metrics = parts.metrics;
    this.#options = options;
    this.#input = input;
    this.#logger = logger;
    this.#client = client;
    this.#oxdAddress = oxdAddress;
    this.#state = state;
    this.#metrics.policyGeneration.set(state.generation);
    this.#registeredPromise = new Promise((resolve) => {
      this.#markRegistered = resolve;
    });
    this.#guard = new OxdGuard({
      timeoutMs: options.oxdTimeoutMs,
      now: () => performance.now(),
      metrics: this.#metrics,
      probe: oxdProbe(client),
      capacity: parts.capacity,
      ...(input.breaker?.failureThreshold === undefined ? {} : { failureThreshold: input.breaker.failureThreshold }),
      ...(input.breaker?.probeIntervalMs === undefined ? {} : { probeIntervalMs: input.breaker.probeIntervalMs }),
      onStateChange: (from, to) => {
        this.#logger.warn({ from, to }, 'oxd circuit breaker changed state');
      },
    });
    this.#registrar = new Registrar({
      client,
      guard: this.#guard,
      recordFile: recordFileFor(options.oxdConfig),
      onRecordError: (err) => {
        this.#logger.warn({ err }, 'could not write the registration record; the next boot will register again');
      },
    });
    this.#authorizer = new Authorizer({
      checkAccess: (rpt, path, method, caller) =>
        this.#guard.call({ command: 'uma_rs_check_access', retryUnreachable: true, caller }, (signal) => client.umaRsCheckAccess(rpt, path, method, { signal })),
      repairRegistration: () => this.#repair(this.#state.generation),
      lifetime: new RptLifetime({
        introspect: (rpt, caller) => this.#guard.call({ command: 'introspect_rpt', retryUnreachable: true, caller }, (signal) => client.introspectRpt(rpt, { signal })),
        max: options.cacheMax,
        now,
      }),
      cache: new DecisionCache({ max: options.cacheMax, now }),
      cacheTtlMs: options.cacheTtlSeconds * 1000,
      metrics: this.#metrics,
    });
    this.#forwarder = createForwarder({ upstream: options.upstream, timeoutMs: options.upstreamTimeoutMs });
    const deps: HandlerDeps = {
      options,
      context: () => this.#context(),
      forwarder: this.#forwarder,
      metrics: this.#metrics,
      logger: this.#logger,
      onResponseClosed: () => {
        this.#inFlight -= 1;
        if (this.#inFlight === 0) this.#drained?.();
      },
    };
    const headersTimeout = input.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
    const serverOptions = {
      headersTimeout,
      requestTimeout: Math.max(REQUEST_TIMEOUT_MS, headersTimeout),
      // How often Node looks for expired heads; its default (30 s) would triple a short deadline.
      connectionsCheckingInterval: Math.min(2_000, headersTimeout),
    };
    this.#server = createServer(serverOptions, (req, res) => {
      this.#inFlight += 1;
      if (this.#closing) res.setHeader('connection', 'close');
      handleHttp(deps, req, res).catch((err: unknown) => {
        this.#logger.error({ err }, 'request handling failed');
        sendRejection(res, { code: 'internal_error' }, null);
      });
    });
    this.#server.on('upgrade', (req, socket: Socket, head: Buffer) => {
      this.#upgraded.add(socket);
      socket.once('close', () => this.#upgraded.delete(socket));
      socket.on('error', (err) => {
        this.#logger.debug({ err }, 'upgraded client socket failed');
      });
      handleUpgrade(deps, req, socket, head).catch((err: unknown) => {
        this.#logger.error({ err }, 'upgrade handling failed');
        socket.destroy();
      });
    });
    this.#server.on('clientError', (err: Error & { code?: string }, socket) => {
      // Node's parser refused the request (malformed, too large, too slow): nothing was decided.
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      else socket.destroy();
    });
    this.#admin = createAdminServer({ metrics: this.#metrics, readiness: () => this.#readiness() });
  }

  async start(): Promise<RunningProxy> {
    const url = await listen(this.#server, this.#options.listen);
    let adminUrl: string;
    try {
      adminUrl = await listen(this.#admin, this.#options.adminListen);
    } catch (err) {
      this.#server.close();
      throw err;
    }
    this.#logger.info({ listen: url, admin: adminUrl, upstream: this.#options.upstream.href, trustProxy: this.#options.trustProxy, passCredentials: this.#options.passCredentials }, 'listening');
    this.#warnAbout(this.#state.policy);
    if (this.#input.watchPolicy ?? true) {
      this.#watcher = watchFile(
        this.#options.policyFile,
        () => void this.reload('watch'),
        (err) => {
          this.#logger.warn({ err }, 'policy file watch failed; SIGHUP still reloads');
        },
      );
    }
    this.#bootRegister(BOOT_RETRY_INITIAL_MS);
    return {
      url,
      adminUrl,
      logger: this.#logger,
      registered: this.#registeredPromise,
      reload: () => this.reload('api'),
      close: () => this.close(),
    };
  }

  /** What `umagate validate` warns about, logged too: an operator may never run validate. */
  #warnAbout(policy: Policy): void {
    for (const warning of policy.warnings) this.#logger.warn({ warning: formatProblem(warning) }, 'policy warning');
  }

  #context(): EnforceContext {
    return { state: this.#state, registered: this.#registered, authorizer: this.#authorizer, retryAfterSeconds: this.#guard.retryAfterSeconds };
  }

  #readiness(): ReadinessReport {
    return {
      ready: this.#registered,
      oxd: { reachable: this.#guard.reachable, breaker: this.#guard.state },
      policy: { generation: this.#state.generation, source: this.#state.policy.source, registered: this.#registered },
    };
  }

  /** Registers the current policy; on failure tries again later, backing off to BOOT_RETRY_MAX_MS. */
  #bootRegister(delayMs: number): void {
    if (this.#closing) return;
    this.#serial
      .run(async () => {
        const result = await this.#registrar.ensure(this.#state.policy);
        this.#registered = true;
        this.#markRegistered();
        this.#logger.info(
          {
            policy: this.#options.policyFile,
            resources: result === 'registered' ? this.#state.policy.registration.length : 'unchanged',
            oxd: { protocol: this.#client.protocol, address: this.#oxdAddress, oxdId: this.#client.oxdId },
          },
          'policy registered with oxd; ready',
        );
      })
      .catch((err: unknown) => {
        // Jitter spreads the retries of many replicas that lost oxd at the same moment.
        const next = Math.min(BOOT_RETRY_MAX_MS, delayMs * 2);
        const wait = Math.round(delayMs / 2 + Math.random() * (delayMs / 2));
        this.#logger.warn({ err: describe(err), retryInMs: wait }, 'cannot register the policy with oxd yet; protected paths answer 503 until then');
        this.#bootTimer = setTimeout(() => {
          this.#bootRegister(next);
        }, wait);
      });
  }

  #repair(generation: number): Promise<undefined> {
    return this.#repairs.run(String(generation), () =>
      this.#serial.run(async () => {
        // A reload swapped the policy meanwhile: it registered the new set, nothing to repair.
        if (this.#state.generation !== generation) return undefined;
        this.#logger.warn({ generation }, 'oxd does not know a registered resource (registration drift); registering again');
        await this.#registrar.repair(this.#state.policy);
        return undefined;
      }),
    ).promise;
  }

  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    return this.#serial.run(() => this.#reloadNow(trigger));
  }

  async #reloadNow(trigger: ReloadTrigger): Promise<ReloadResult> {
    clearTimeout(this.#reloadRetry);
    let text: string;
    let policy: Policy;
    try {
      text = await readPolicyFile(this.#options.policyFile);
      if (sha256(text) === this.#state.textHash) {
        this.#metrics.policyReloads.inc({ result: 'unchanged' });
        return { result: 'unchanged' };
      }
      policy = parsePolicy(text, this.#options.policyFile);
    } catch (err) {
      const problems = err instanceof PolicyError && err.problems.length > 0 ? err.problems.map(formatProblem) : [describe(err)];
      this.#metrics.policyReloads.inc({ result: 'rejected' });
      this.#logger.error({ trigger, problems }, 'policy edit rejected; the previous policy stays in force');
      return { result: 'rejected', problems };
    }
    let registration: 'registered' | 'unchanged' = 'unchanged';
    if (this.#registered && policy.registrationHash !== this.#state.policy.registrationHash) {
      try {
        registration = await this.#registrar.ensure(policy);
      } catch (err) {
        this.#metrics.policyReloads.inc({ result: 'registration_failed' });
        this.#logger.error({ trigger, err: describe(err), retryInMs: RELOAD_RETRY_MS }, 'policy edit could not be registered with oxd; the previous policy stays in force');
        this.#reloadRetry = setTimeout(() => void this.reload(trigger), RELOAD_RETRY_MS);
        return { result: 'registration_failed', message: describe(err) };
      }
    }
    this.#state = compileState(policy, this.#state.generation + 1, sha256(text));
    this.#authorizer.clear();
    this.#metrics.policyGeneration.set(this.#state.generation);
    this.#metrics.policyReloads.inc({ result: 'applied' });
    this.#logger.info({ trigger, generation: this.#state.generation, registration }, 'policy reloaded');
    this.#warnAbout(policy);
    return { result: 'applied', generation: this.#state.generation, registration };
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#bootTimer);
    clearTimeout(this.#reloadRetry);
    this.#guard.stop();
    this.#watcher?.close();
    const closed = once(this.#server, 'close');
    this.#server.close();
    this.#server.closeIdleConnections();
    if (this.#inFlight > 0) {
      const drained = new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#options.shutdownGraceMs);
      });
      await Promise.race([drained, grace]);
      clearTimeout(timer);
    }
    this.#server.closeAllConnections();
    for (const socket of this.#upgraded) socket.destroy();
    await closed;
    this.#admin.close();
    this.#admin.closeAllConnections();
    this.#forwarder.close();
    await this.#client.close();
    this.#logger.info({ inFlightCut: this.#inFlight }, 'stopped');
  }
}

async function listen(server: Server, address: ListenAddress): Promise<string> {
  server.listen(address.port, address.host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return `http://${host}:${bound.port}`;
}

function oxdAddress(config: { readonly protocol: string; readonly host: string; readonly port: number; readonly baseUrl: string | null }): string {
  return config.protocol === 'socket' ? `${config.host}:${config.port}` : (config.baseUrl ?? config.host);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function describe(err: unknown): string {
  const code = errorCode(err);
  return code === undefined ? errorMessage(err) : `${code}: ${errorMessage(err)}`;
}
