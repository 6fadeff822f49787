/**
 * The traffic listener of one process (the only process, or one cluster worker): the decision
 * cache and authorizer, the forwarder, the HTTP server with its WebSocket upgrades, and the
 * draining close. It holds the policy it is given (`apply`), never reads or registers one:
 * that is the control plane's job, in this process or in the cluster primary.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { Authorizer, type AuthorizerDeps } from './authorize.js';
import { DecisionCache } from './decision-cache.js';
import type { EnforceContext } from './enforce.js';
import { createForwarder, type Forwarder } from './forward.js';
import { handleHttp, handleUpgrade, type HandlerDeps } from './handle-request.js';
import { decisionLog, type Logger } from './logger.js';
import type { ProxyMetrics } from './metrics.js';
import type { ListenAddress, ServeOptions } from './options.js';
import type { OxdGuard } from './oxd-guard.js';
import type { PolicyState } from './policy-state.js';
import { sendRejection } from './respond.js';

/**
 * A client must finish its request head this fast (Node's default is 60 s, checked only every
 * 30 s): slowloris clients that trickle header bytes are cut after at most ~22 s, not ~90 s.
 */
export const HEADERS_TIMEOUT_MS = 20_000;
/** The whole request, body included (Node's default, made explicit): slow uploads still fit. */
export const REQUEST_TIMEOUT_MS = 300_000;
/**
 * An idle keep-alive connection is closed after this long (Node's default, made explicit and
 * documented), so idle clients cannot hold connections under --max-connections for ever.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

export interface TrafficDeps {
  readonly options: ServeOptions;
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
  readonly now: () => number;
  readonly guard: OxdGuard;
  /** The decision half of the authorization mode (oxd, or the AS itself); calls go through `guard`. */
  readonly decisions: AuthorizerDeps['backend'];
  /** Asks the owner of registration to register again after drift under `generation`. */
  readonly repairRegistration: (generation: number) => Promise<void>;
  readonly initialState: PolicyState;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export class TrafficPlane {
  readonly #deps: TrafficDeps;
  readonly #authorizer: Authorizer;
  readonly #forwarder: Forwarder;
  readonly #server: Server;
  readonly #upgraded = new Set<Socket>();
  #state: PolicyState;
  #registered = false;
  #closing = false;
  #inFlight = 0;
  #drained: (() => void) | null = null;

  constructor(deps: TrafficDeps) {
    this.#deps = deps;
    this.#state = deps.initialState;
    this.#authorizer = this.#createAuthorizer();
    this.#forwarder = createForwarder({ upstream: deps.options.upstream, ca: deps.options.upstreamCa, timeoutMs: deps.options.upstreamTimeoutMs });
    this.#server = this.#createServer(this.#handlerDeps());
  }

  get state(): PolicyState {
    return this.#state;
  }

  /** Whether protected paths are decided (the policy is registered) or answered 503. */
  get registered(): boolean {
    return this.#registered;
  }

  /** Swaps in a policy (a new generation empties the decision cache) and the registration flag. */
  apply(state: PolicyState, registered: boolean): void {
    if (state.generation !== this.#state.generation) {
      this.#state = state;
      this.#authorizer.clear();
    }
    this.#registered = registered;
  }

  /** Forgets every cached grant (credentials changed, e.g. after the site was registered again). */
  forgetGrants(): void {
    this.#authorizer.clear();
  }

  listen(address: ListenAddress): Promise<string> {
    return listen(this.#server, address);
  }

  /** Stops accepting, drains in-flight requests (bounded by the shutdown grace); returns how many were cut. */
  async close(): Promise<number> {
    if (this.#closing) return 0;
    this.#closing = true;
    const closed = once(this.#server, 'close');
    this.#server.close();
    this.#server.closeIdleConnections();
    if (this.#inFlight > 0) await this.#drainedOrGraceOver();
    const cut = this.#inFlight;
    this.#server.closeAllConnections();
    for (const socket of this.#upgraded) socket.destroy();
    await closed;
    this.#forwarder.close();
    return cut;
  }

  async #drainedOrGraceOver(): Promise<void> {
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#deps.options.shutdownGraceMs);
    });
    await Promise.race([drained, grace]);
    clearTimeout(timer);
  }

  #createAuthorizer(): Authorizer {
    const { decisions, options, metrics, now } = this.#deps;
    return new Authorizer({
      backend: decisions,
      repairRegistration: () => this.#deps.repairRegistration(this.#state.generation),
      cache: new DecisionCache({ max: options.cacheMax, now }),
      cacheTtlMs: options.cacheTtlSeconds * 1000,
      metrics,
    });
  }

  #handlerDeps(): HandlerDeps {
    const { options, metrics, logger, guard } = this.#deps;
    return {
      options,
      context: (): EnforceContext => ({ state: this.#state, registered: this.#registered, authorizer: this.#authorizer, retryAfterSeconds: guard.retryAfterSeconds }),
      forwarder: this.#forwarder,
      metrics,
      decisionLog: decisionLog(logger),
      onResponseClosed: () => {
        this.#inFlight -= 1;
        if (this.#inFlight === 0) this.#drained?.();
      },
    };
  }

  #createServer(handlerDeps: HandlerDeps): Server {
    const headersTimeout = this.#deps.headersTimeoutMs;
    const requestTimeout = Math.max(this.#deps.requestTimeoutMs, headersTimeout);
    const server = createServer(
      {
        headersTimeout,
        requestTimeout,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
        // How often Node looks for expired requests; its default (30 s) would triple a short deadline.
        connectionsCheckingInterval: Math.min(2_000, headersTimeout, requestTimeout),
      },
      (req, res) => {
        this.#onRequest(handlerDeps, req, res);
      },
    );
    server.maxConnections = this.#deps.options.maxConnections;
    server.on('drop', () => {
      this.#deps.metrics.connectionsDropped.inc();
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.#onUpgrade(handlerDeps, req, socket, head);
    });
    server.on('clientError', onClientError);
    return server;
  }

  #onRequest(handlerDeps: HandlerDeps, req: IncomingMessage, res: ServerResponse): void {
    this.#inFlight += 1;
    if (this.#closing) res.setHeader('connection', 'close');
    handleHttp(handlerDeps, req, res).catch((err: unknown) => {
      this.#deps.logger.error({ err }, 'request handling failed');
      sendRejection(res, { code: 'internal_error' }, null);
    });
  }

  #onUpgrade(handlerDeps: HandlerDeps, req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.#upgraded.add(socket);
    socket.once('close', () => this.#upgraded.delete(socket));
    socket.on('error', (err) => {
      this.#deps.logger.debug({ err }, 'upgraded client socket failed');
    });
    handleUpgrade(handlerDeps, req, socket, head).catch((err: unknown) => {
      this.#deps.logger.error({ err }, 'upgrade handling failed');
      socket.destroy();
    });
  }
}

/** Node's parser refused the request (malformed, too large, too slow): nothing was decided. */
function onClientError(err: Error & { code?: string }, socket: Duplex): void {
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  else socket.destroy();
}

export async function listen(server: Server, address: ListenAddress): Promise<string> {
  server.listen(address.port, address.host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return `http://${host}:${bound.port}`;
}
