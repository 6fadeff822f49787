import type { Server } from 'node:net';
import { once } from 'node:events';

/** Listens on 127.0.0.1 port 0 and resolves to the port the OS chose. */
export async function listenOn(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

/** Closes a server and every connection it still holds. */
export async function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections?.();
  await closed;
}
