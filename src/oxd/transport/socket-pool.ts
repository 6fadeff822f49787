import { OxdError } from '../errors.js';
import type { OxdLogger } from '../types.js';
import { startDeadline } from './deadline.js';
import type { Deadline } from './deadline.js';
import { requirePositiveInteger } from './options.js';
import { Slots } from './slots.js';
import { openConnection } from './socket-connection.js';
import type { Attempt, SocketConnection } from './socket-connection.js';
import { decodeReply } from './socket-envelope.js';
import type { SocketReply } from './socket-envelope.js';
import type { SocketTransportOptions } from './types.js';

/** Connections kept open to oxd-server when the options name no pool size. */
const DEFAULT_SOCKET_POOL_SIZE = 4;

/**
 * A few lazily opened connections to oxd-server, each carrying one request at a time; callers
 * beyond the pool size wait their turn. A request is sent again only when oxd cannot have
 * received it whole.
 */
export class SocketPool {
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
  async call(command: string, frame: string): Promise<SocketReply> {
    if (this.#closed) throw closedError();
    const deadline = startDeadline(this.#timeoutMs, command);
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
    let result = await this.#attempt(command, frame, signal, true);
    if (result.kind === 'not_sent') {
      this.#logger?.debug({ command, reason: result.error.message }, 'oxd connection unusable; retrying on a new one');
      result = await this.#attempt(command, frame, signal, false);
    }
    if (result.kind === 'done') return result.value;
    throw result.error;
  }

  async #attempt(
    command: string,
    frame: string,
    signal: AbortSignal,
    reuseIdle: boolean,
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
