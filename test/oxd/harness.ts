import { afterEach } from 'vitest';
import { rejectionOf } from '../helpers/rejection.js';
import { startDevOxd, type DevOxd, type DevOxdOptions } from '../../src/devoxd/index.js';
import { OxdClient, type FromConfigFileOptions } from '../../src/oxd/client.js';
import { OxdError } from '../../src/oxd/errors.js';

/** The OxdError a call rejects with; anything else (or success) fails the test. */
export function rejection(promise: Promise<unknown>): Promise<OxdError> {
  return rejectionOf(promise, OxdError);
}

export interface DevOxdSession {
  /** Starts a dev oxd, closed after the test. */
  startDev(options?: DevOxdOptions): Promise<DevOxd>;
  /** Opens a client on an ini file, closed after the test (before the dev oxd). */
  openClient(ini: string, options?: FromConfigFileOptions): Promise<OxdClient>;
}

/**
 * Dev oxds and clients that are closed after each test of the calling scope. Call it at module
 * or describe level: it registers the afterEach there.
 */
export function devOxdSession(): DevOxdSession {
  const devs: DevOxd[] = [];
  const clients: OxdClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    for (const dev of devs.splice(0)) await dev.close();
  });
  return {
    async startDev(options) {
      const dev = await startDevOxd(options);
      devs.push(dev);
      return dev;
    },
    async openClient(ini, options) {
      const client = await OxdClient.fromConfigFile(ini, options);
      clients.push(client);
      return client;
    },
  };
}
