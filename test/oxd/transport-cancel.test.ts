/**
 * A caller's signal (the proxy's per-call deadline) cancels the oxd request in flight: the
 * connection carrying it is closed, so oxd is not left holding a request no one will read, and
 * the call fails with the caller's reason at once, not after the ini's `timeout_ms`.
 */
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OxdError } from '../../src/oxd/errors.js';
import { createHttpTransport } from '../../src/oxd/transport/http.js';
import { createSocketTransport } from '../../src/oxd/transport/socket.js';
import type { OxdTransport } from '../../src/oxd/transport/types.js';
import { closeServer, listenOn } from '../helpers/listen.js';

/** Far beyond the test's timeout: only the caller's signal can end the call in time. */
const INI_TIMEOUT_MS = 600_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server that takes requests and never answers; `arrived` resolves with the socket of the first. */
async function silentOxd(kind: 'http' | 'socket'): Promise<{ port: number; arrived: Promise<Socket> }> {
  let onArrival: (socket: Socket) => void = () => undefined;
  const arrived = new Promise<Socket>((resolve) => {
    onArrival = resolve;
  });
  const server: Server =
    kind === 'http'
      ? createHttpServer((req) => {
          onArrival(req.socket);
        })
      : createTcpServer((socket) => {
          socket.once('data', () => {
            onArrival(socket);
          });
        });
  const port = await listenOn(server);
  cleanups.push(() => closeServer(server));
  return { port, arrived };
}

function transportFor(kind: 'http' | 'socket', port: number): OxdTransport {
  const transport =
    kind === 'http'
      ? createHttpTransport({ protocol: 'rest', baseUrl: `http://127.0.0.1:${port}/`, timeoutMs: INI_TIMEOUT_MS })
      : createSocketTransport({ host: '127.0.0.1', port, timeoutMs: INI_TIMEOUT_MS });
  cleanups.push(() => transport.close());
  return transport;
}

describe.each(['http', 'socket'] as const)('a caller-aborted call over %s', (kind) => {
  it("fails with the caller's reason and closes the connection carrying it", async () => {
    const oxd = await silentOxd(kind);
    const transport = transportFor(kind, oxd.port);
    const controller = new AbortController();
    const call = transport.send('get_rp', { oxd_id: 'x' }, null, controller.signal);
    const socket = await oxd.arrived;
    const closed = once(socket, 'close');
    const reason = new OxdError('oxd_timeout', 'oxd did not answer get_rp within 5 ms', { command: 'get_rp' });
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    await closed;
  });

  it('reads a reason that is not an OxdError as oxd_timeout', async () => {
    const oxd = await silentOxd(kind);
    const transport = transportFor(kind, oxd.port);
    const controller = new AbortController();
    const call = transport.send('get_rp', { oxd_id: 'x' }, null, controller.signal);
    await oxd.arrived;
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'oxd_timeout', command: 'get_rp' });
  });

  it('does not start a call whose signal has already aborted', async () => {
    const oxd = await silentOxd(kind);
    const transport = transportFor(kind, oxd.port);
    await expect(transport.send('get_rp', { oxd_id: 'x' }, null, AbortSignal.abort())).rejects.toMatchObject({ code: 'oxd_timeout' });
  });
});
