/**
 * oxd 3.1.x over its socket protocol: the transport, its small connection pool and the
 * `{command, params}` / `{status, data}` envelopes. Framing and one connection: socket-connection.ts.
 */
import { OxdError } from '../errors.js';
import { isRecord } from '../../common/json.js';
import { stringifyAscii } from '../json.js';
import type { OxdLogger } from '../types.js';
import { badResponse, failureOf, requirePositiveInteger, serverError, startDeadline, type Deadline } from './common.js';
import { encodeFrame, openConnection, type Attempt, type SocketConnection } from './socket-connection.js';
import type { OxdTransport, SocketTransportOptions } from './types.js';

/** oxd 3.1.x socket protocol: length-prefixed JSON frames over a small pool of TCP connections. */
export function createSocketTransport(options: SocketTransportOptions): OxdTransport {
  const pool = new SocketPool(options);
  return {
    protocol: 'socket',
    async send(command, params, token, signal) {
      // Encoding first: a frame that cannot be sent fails before any connection is touched.
      const frame = encodeFrame(encodeRequest(command, params, token), command);
      const reply = await pool.call(command, frame, signal);
      if (reply.kind === 'ok') return reply.data;
      throw reply.error;
    },
    close: () => pool.close(),
  };
}

/** Connections kept open to oxd-server when the options name no pool size. */
const DEFAULT_SOCKET_POOL_SIZE = 4;

/**
 * A few lazily opened connections to oxd-server, each carrying one request at a time; callers
 * beyond the pool size wait their turn. A request is sent again only when oxd cannot have
 * received it whole.
 */
class SocketPool {
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  readonly #logger: OxdLogger | undefined;
  readonly #slots: Slots;
  readonly #idle: SocketConnection[] = [];
  readonly #connections = new Set<SocketConnection>();
  readonly #calls = new Set<Deadline>();
  #closed = false;

  constructor(options: SocketTransportOptions) {
    this.#host = options.host;
    this.#port = options.port;
    this.#timeoutMs = requirePositiveInteger('timeoutMs', options.timeoutMs);
    this.#slots = new Slots(requirePositiveInteger('poolSize', options.poolSize ?? DEFAULT_SOCKET_POOL_SIZE));
    this.#logger = options.logger;
  }

  /** Carries one framed request; the deadline covers waiting for a slot, connecting and the answer. */
  async call(command: string, frame: string, signal: AbortSignal | undefined): Promise<SocketReply> {
    if (this.#closed) throw closedError();
    const deadline = startDeadline(this.#timeoutMs, command, signal);
    this.#calls.add(deadline);
    try {
      await this.#slots.acquire(deadline.signal);
      try {
        return await this.#exchange(command, frame, deadline.signal);
      } finally {
        this.#slots.release();
      }
    } finally {
      deadline.clear();
      this.#calls.delete(deadline);
    }
  }

  /** Fails every call in flight or waiting with `oxd_unreachable` and closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    const error = closedError();
    for (const call of this.#calls) call.cancel(error);
    for (const connection of this.#idle.splice(0)) connection.end();
    await Promise.all([...this.#connections].map((connection) => connection.closed));
  }

  async #exchange(command: string, frame: string, signal: AbortSignal): Promise<SocketReply> {
    let result = await this.#attempt(command, frame, signal, { reuseIdle: true });
    if (result.kind === 'not_sent') {
      this.#logger?.debug({ command, reason: result.error.message }, 'oxd connection unusable; retrying on a new one');
      result = await this.#attempt(command, frame, signal, { reuseIdle: false });
    }
    if (result.kind === 'done') return result.value;
    throw result.error;
  }

  async #attempt(
    command: string,
    frame: string,
    signal: AbortSignal,
    { reuseIdle }: { readonly reuseIdle: boolean },
  ): Promise<Attempt<SocketReply>> {
    const idle = reuseIdle ? this.#takeIdle() : undefined;
    const opened = idle === undefined ? await this.#open(command, signal) : { kind: 'done' as const, value: idle };
    if (opened.kind !== 'done') return opened;
    const connection = opened.value;
    const exchanged = await connection.exchange(frame, command, signal);
    if (exchanged.kind !== 'done') {
      // The stream is out of step (or timed out): whatever oxd sends later must reach no one.
      connection.discard();
      return exchanged;
    }
    const reply = decodeReply(exchanged.value, command);
    this.#putBack(connection, reply);
    return { kind: 'done', value: reply };
  }

  async #open(command: string, signal: AbortSignal): Promise<Attempt<SocketConnection>> {
    const opened = await openConnection(this.#host, this.#port, command, signal);
    if (opened.kind === 'done') {
      const connection = opened.value;
      this.#connections.add(connection);
      void connection.closed.then(() => this.#connections.delete(connection));
    }
    return opened;
  }

  #takeIdle(): SocketConnection | undefined {
    for (let connection = this.#idle.pop(); connection !== undefined; connection = this.#idle.pop()) {
      if (connection.reusable) return connection;
    }
    return undefined;
  }

  #putBack(connection: SocketConnection, reply: SocketReply): void {
    // oxd closes the socket after its generic internal_error; a bad answer leaves the stream state unknown.
    const code = reply.kind === 'error' ? reply.error.code : undefined;
    const spent = code === 'internal_error' || code === 'oxd_bad_response';
    if (spent || this.#closed || !connection.reusable) connection.discard();
    else this.#idle.push(connection);
  }
}

function closedError(): OxdError {
  return new OxdError('oxd_unreachable', 'the oxd transport was closed');
}

/**
 * A counting semaphore: at most `size` holders at once, later callers wait in order. A waiter
 * leaves the queue when its signal aborts, rejecting with the signal's failure.
 */
export class Slots {
  #free: number;
  readonly #waiters: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(failureOf(signal));
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.#waiters.splice(this.#waiters.indexOf(grant), 1);
        reject(failureOf(signal));
      };
      this.#waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#free += 1;
    else next();
  }
}

/** The socket request envelope; the protection token travels inside params. */
export function encodeRequest(
  command: string,
  params: Readonly<Record<string, unknown>>,
  token: string | null,
): string {
  const withToken = token === null ? params : { ...params, protection_access_token: token };
  return stringifyAscii({ command, params: withToken });
}

export type SocketReply =
  | { readonly kind: 'ok'; readonly data: unknown }
  | { readonly kind: 'error'; readonly error: OxdError };

/** `{"status":"ok","data":…}` → data; `{"status":"error","data":{error,…}}` → oxd's error. */
export function decodeReply(json: string, command: string): SocketReply {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (err) {
    return { kind: 'error', error: badResponse(command, 'a frame that is not JSON', { cause: err }) };
  }
  if (isRecord(body) && body.status === 'ok' && 'data' in body) return { kind: 'ok', data: body.data };
  if (isRecord(body) && body.status === 'error') {
    const error = serverError(body.data, { command });
    if (error !== null) return { kind: 'error', error };
  }
  return { kind: 'error', error: badResponse(command, 'JSON that is not an oxd {status,data} envelope') };
}
