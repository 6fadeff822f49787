/**
 * One TCP connection to oxd-server and the 3.1.x framing it speaks (docs/oxd-protocols.md,
 * *Socket framing*).
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { errorMessage } from '../../errors.js';
import { OxdError } from '../errors.js';
import { badResponse, failureOf } from './common.js';

/**
 * oxd 3.1.x socket framing: exactly 4 zero-padded decimal digits giving the length of the JSON
 * that follows, counted in UTF-16 code units (Java `String.length()`), with no terminator.
 */

const PREFIX_CHARS = 4;
/** The largest JSON a 4-digit prefix can announce; oxd cannot read or write anything longer. */
const MAX_FRAME_CHARS = 9999;

/** Frames ASCII-only JSON (so characters and bytes agree); refuses what the prefix cannot hold. */
export function encodeFrame(json: string, command: string): string {
  if (json.length > MAX_FRAME_CHARS) {
    throw new OxdError(
      'frame_too_large',
      `${command} request is ${json.length} characters; the oxd socket protocol carries at most ${MAX_FRAME_CHARS}`,
      { command },
    );
  }
  return String(json.length).padStart(PREFIX_CHARS, '0') + json;
}

export type FrameRead =
  | { readonly kind: 'incomplete' }
  /** `trailing`: bytes arrived beyond the frame, which oxd never sends. */
  | { readonly kind: 'frame'; readonly json: string; readonly trailing: boolean }
  | { readonly kind: 'invalid'; readonly reason: string; readonly cause?: unknown };

/**
 * Reassembles one response frame from socket chunks. oxd may send raw non-ASCII UTF-8 while
 * its prefix counts code units, so bytes are decoded first (a multi-byte character may be split
 * across chunks) and the decoded text is counted.
 */
export class FrameDecoder {
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  #text = '';

  push(chunk: Uint8Array): FrameRead {
    try {
      this.#text += this.#utf8.decode(chunk, { stream: true });
    } catch (err) {
      return { kind: 'invalid', reason: 'a response that is not valid UTF-8', cause: err };
    }
    if (this.#text.length < PREFIX_CHARS) return { kind: 'incomplete' };
    const prefix = this.#text.slice(0, PREFIX_CHARS);
    if (!/^[0-9]{4}$/.test(prefix)) {
      return { kind: 'invalid', reason: `a frame whose length prefix is not 4 digits: ${JSON.stringify(prefix)}` };
    }
    const end = PREFIX_CHARS + Number(prefix);
    if (this.#text.length < end) return { kind: 'incomplete' };
    return { kind: 'frame', json: this.#text.slice(PREFIX_CHARS, end), trailing: this.#text.length > end };
  }

  /** Whether any part of a response has arrived. */
  get started(): boolean {
    return this.#text.length > 0;
  }

  /** Describes a frame the peer stopped sending before it was complete. */
  cutOffReason(): string {
    if (this.#text.length < PREFIX_CHARS) {
      return `a response frame cut off after ${this.#text.length} of ${PREFIX_CHARS} length-prefix characters`;
    }
    const announced = Number(this.#text.slice(0, PREFIX_CHARS));
    return `a response frame cut off after ${this.#text.length - PREFIX_CHARS} of ${announced} characters`;
  }
}

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
