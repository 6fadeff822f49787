import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closeServer, listenOn } from '../helpers/listen.js';
import { PortInUseError, withPortFlags } from '../../src/sandbox/port-in-use.js';

/** Listens on a port that is already taken and rejects with Node's own EADDRINUSE error. */
async function listenTwice(port: number): Promise<never> {
  const second = createServer();
  await new Promise<void>((resolve, reject) => {
    second.once('error', reject);
    second.listen(port, '127.0.0.1', resolve);
  });
  await closeServer(second);
  throw new Error('the port was free');
}

describe('withPortFlags', () => {
  it('names the port and the flag of the listener that found its port taken', async () => {
    const taken = createServer();
    const port = await listenOn(taken);
    try {
      const failure = withPortFlags([{ flag: '--oxd-port', port: 1 }, { flag: '--oxd-socket-port', port }], () => listenTwice(port));
      await expect(failure).rejects.toThrow(new PortInUseError(port, '--oxd-socket-port', { cause: null }).message);
      await expect(failure).rejects.toMatchObject({ port, flag: '--oxd-socket-port' });
    } finally {
      await closeServer(taken);
    }
  });

  it('finds the error in the cause chain of a wrapper', async () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 9090 });
    const wrapped = new Error('proxy failed to start', { cause: inUse });
    const failure = withPortFlags([{ flag: '--port', port: 8080 }, { flag: '--admin-port', port: 9090 }], () => Promise.reject(wrapped));
    await expect(failure).rejects.toMatchObject({ name: 'PortInUseError', port: 9090, flag: '--admin-port' });
  });

  it('passes every other failure through untouched', async () => {
    const other = Object.assign(new Error('permission denied'), { code: 'EACCES' });
    await expect(withPortFlags([{ flag: '--port', port: 80 }], () => Promise.reject(other))).rejects.toBe(other);
  });

  it('returns what start resolves to', async () => {
    await expect(withPortFlags([{ flag: '--port', port: 0 }], () => Promise.resolve(42))).resolves.toBe(42);
  });
});
