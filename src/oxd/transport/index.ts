export type { HttpTransportOptions, OxdTransport, SocketTransportOptions } from './types.js';
export { createHttpTransport } from './http.js';
export { createSocketTransport } from './socket.js';
export { DEFAULT_SOCKET_POOL_SIZE } from './socket-pool.js';
export { MAX_FRAME_CHARS } from './socket-frame.js';
