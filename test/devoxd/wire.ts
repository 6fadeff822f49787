/**
 * Raw wire access to the dev oxd for its own tests: socket frames and HTTP requests written by
 * hand, so the tests check bytes rather than a client's interpretation of them.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { request } from 'undici';

export interface RawReply {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
}

/** One socket connection that sends frames and reads whole reply frames (length in UTF-16 units). */
export class SocketWire {
  readonly socket: Socket;
  #buffer = '';
  #closed = false;
  #waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.#buffer += text;
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<SocketWire> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new SocketWire(socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Everything received and not yet consumed as a frame. */
  get pending(): string {
    return this.#buffer;
  }

  writeRaw(text: string): void {
    this.socket.write(text);
  }

  send(command: string, params: unknown): void {
    this.writeRaw(frame(JSON.stringify({ command, params })));
  }

  /** Sends one command and returns the parsed reply envelope. */
  async call(command: string, params: unknown): Promise<unknown> {
    this.send(command, params);
    return JSON.parse(await this.readFrame()) as unknown;
  }

  /** The next whole frame's JSON text; rejects when the connection closes first. */
  async readFrame(): Promise<string> {
    for (;;) {
      if (this.#buffer.length >= 4) {
        const length = Number(this.#buffer.slice(0, 4));
        if (this.#buffer.length >= 4 + length) {
          const json = this.#buffer.slice(4, 4 + length);
          this.#buffer = this.#buffer.slice(4 + length);
          return json;
        }
      }
      if (this.#closed) throw new Error(`connection closed; received ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves once the server has closed the connection. */
  async waitClosed(): Promise<void> {
    while (!this.#closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

export function frame(json: string): string {
  return `${String(json.length).padStart(4, '0')}${json}`;
}

/** POSTs a JSON body (or raw text) to `<base>/<path>`. */
export async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawReply> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await request(`${base}${path}`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.body.text();
  return { status: res.statusCode, text, json: parseOrUndefined(text) };
}

export async function get(base: string, path: string): Promise<RawReply> {
  const res = await request(`${base}${path}`);
  const text = await res.body.text();
  return { status: res.statusCode, text, json: parseOrUndefined(text) };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
