import { SocketPool } from './socket-pool.js';
import { encodeFrame } from './socket-frame.js';
import { encodeRequest } from './socket-envelope.js';
import type { OxdTransport, SocketTransportOptions } from './types.js';

/** oxd 3.1.x socket protocol: length-prefixed JSON frames over a small pool of TCP connections. */
export function createSocketTransport(options: SocketTransportOptions): OxdTransport {
  const pool = new SocketPool(options);
  return {
    protocol: 'socket',
    async send(command, params, token) {
      // Encoding first: a frame that cannot be sent fails before any connection is touched.
      const frame = encodeFrame(encodeRequest(command, params, token), command);
      const reply = await pool.call(command, frame);
      if (reply.kind === 'ok') return reply.data;
      throw reply.error;
    },
    close: () => pool.close(),
  };
}
