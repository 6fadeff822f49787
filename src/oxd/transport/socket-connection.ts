import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { OxdError } from '../errors.js';
import { failureOf } from './deadline.js';
import { errorMessage } from '../../errors.js';
import { badResponse } from './server-error.js';
import { FrameDecoder } from './socket-frame.js';

/**
 * The result of one step on a socket. `not_sent` means oxd cannot have received the whole
 * request, so trying again elsewhere is safe; `failed` is final.
 */
export type Attempt<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'not_sent'; readonly error: OxdError }
  | { readonly kind: 'failed'; readonly error: OxdError };

interface Pending {
  readonly command: string;
  readonly decoder: FrameDecoder;
  written: boolean;
  settle(result: Attempt<string>): void;
}

/** Opens a TCP connection to oxd-server; the deadline's signal covers the connect. */
export function openConnection(
  host: string,
  port: number,
  command: string,
  signal: AbortSignal,
): Promise<Attempt<SocketConnection>> {
  if (signal.aborted) return Promise.resolve({ kind: 'failed', error: failureOf(signal) });
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (result: Attempt<SocketConnection>): void => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('connect', onConnect);
      socket.removeListener('error', onError);
      resolve(result);
    };
    const onAbort = (): void => {
      socket.destroy();
      finish({ kind: 'failed', error: failureOf(signal) });
    };
    const onConnect = (): void => {
      finish({ kind: 'done', value: new SocketConnection(socket) });
    };
    const onError = (err: Error): void => {
      socket.destroy();
      const message = `cannot connect to oxd at ${host}:${port} for ${command}: ${errorMessage(err)}`;
      const error = new OxdError('oxd_unreachable', message, { command, cause: err });
      finish({ kind: 'not_sent', error });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}

/**
 * One connection to oxd-server carrying one request at a time: oxd reads a single frame per
 * read and silently drops anything pipelined behind it.
 */
export class SocketConnection {
  readonly #socket: Socket;
  readonly #closed: Promise<void>;
  #pending: Pending | null = null;
  #lastError: Error | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    this.#closed = new Promise((resolve) => socket.once('close', () => { resolve(); }));
    socket.on('data', (chunk: Buffer) => { this.#onData(chunk); });
    socket.on('error', (err) => { this.#lastError = err; });
    socket.once('close', () => { this.#onClose(); });
  }

  /**
   * Whether the connection can take another request. When oxd closes its end (idle timeout,
   * restart, generic internal_error) the socket ends itself and stops being writable.
   */
  get reusable(): boolean {
    return this.#pending === null && !this.#socket.destroyed && this.#socket.writable;
  }

  /** Resolves once the socket is fully closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Sends one framed request and waits for its one response frame. */
  exchange(frame: string, command: string, signal: AbortSignal): Promise<Attempt<string>> {
    if (signal.aborted) return Promise.resolve({ kind: 'failed', error: failureOf(signal) });
    if (!this.reusable) {
      return Promise.resolve({ kind: 'not_sent', error: this.#closedError(command, 'before the request was sent') });
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        pending.settle({ kind: 'failed', error: failureOf(signal) });
      };
      const pending: Pending = {
        command,
        decoder: new FrameDecoder(),
        written: false,
        settle: (result) => {
          if (this.#pending !== pending) return;
          this.#pending = null;
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      this.#pending = pending;
      signal.addEventListener('abort', onAbort, { once: true });
      // Only a successful write means oxd may hold the whole frame; a failed one left it incomplete.
      this.#socket.write(frame, 'ascii', (err) => {
        if (err === undefined || err === null) pending.written = true;
      });
    });
  }

  /** Drops the connection, e.g. after an answer that leaves its state unknown. */
  discard(): void {
    this.#socket.destroy();
  }

  /** Closes an idle connection: sends FIN, then releases the socket without waiting for oxd's. */
  end(): void {
    this.#socket.destroySoon();
  }

  #onData(chunk: Buffer): void {
    const pending = this.#pending;
    if (pending === null) {
      this.discard(); // unsolicited bytes: the stream is out of step
      return;
    }
    const read = pending.decoder.push(chunk);
    if (read.kind === 'incomplete') return;
    if (read.kind === 'invalid') {
      this.discard();
      pending.settle({ kind: 'failed', error: badResponse(pending.command, read.reason, { cause: read.cause }) });
      return;
    }
    if (read.trailing) this.discard();
    pending.settle({ kind: 'done', value: read.json });
  }

  #onClose(): void {
    const pending = this.#pending;
    if (pending === null) return;
    if (pending.decoder.started) {
      const error = badResponse(pending.command, pending.decoder.cutOffReason(), { cause: this.#lastError });
      pending.settle({ kind: 'failed', error });
    } else if (pending.written) {
      const when = 'after the request was sent; the command may have been executed';
      pending.settle({ kind: 'failed', error: this.#closedError(pending.command, when) });
    } else {
      pending.settle({ kind: 'not_sent', error: this.#closedError(pending.command, 'before the request was sent') });
    }
  }

  #closedError(command: string, when: string): OxdError {
    const reason = this.#lastError === undefined ? '' : ` (${this.#lastError.message})`;
    return new OxdError('oxd_unreachable', `the connection to oxd closed during ${command} ${when}${reason}`, {
      command,
      cause: this.#lastError,
    });
  }
}
