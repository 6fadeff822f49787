/** A server bound to one port that can be stopped (dropping its connections) and started again there. */
import { once } from 'node:events';
import type { Server, Socket } from 'node:net';

export class Listener {
  readonly #server: Server;
  readonly #host: string;
  readonly #sockets = new Set<Socket>();
  #port: number;

  constructor(server: Server, host: string, port: number) {
    this.#server = server;
    this.#host = host;
    this.#port = port;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** The bound port (the one the OS chose when asked for 0). */
  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    if (this.#server.listening) return;
    this.#server.listen(this.#port, this.#host);
    await Promise.race([once(this.#server, 'listening'), once(this.#server, 'error').then(([error]) => Promise.reject(error as Error))]);
    const address = this.#server.address();
    if (address !== null && typeof address !== 'string') this.#port = address.port;
  }

  async stop(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = once(this.#server, 'close');
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
