import { afterEach } from 'vitest';
import { rejectionOf } from '../helpers/rejection.js';
import { restartablePort } from '../helpers/restartable-port.js';
import { startDevAs, type DevAs, type DevAsClient, type DevAsDialect, type DevAsOptions } from '../../src/devas/index.js';
import { UmaClient, UmaError, type UmaClientOptions } from '../../src/uma/index.js';

export const DIALECTS: readonly DevAsDialect[] = ['keycloak', 'janssen', 'strict'];

/** The UmaError a call rejects with; anything else (or success) fails the test. */
export function umaRejection(promise: Promise<unknown>): Promise<UmaError> {
  return rejectionOf(promise, UmaError);
}

export interface UmaSession {
  /** A dev AS of the dialect with one resource-server client; closed after the test. */
  start(dialect: DevAsDialect, options?: Omit<DevAsOptions, 'dialect'>): Promise<{ as: DevAs; rs: DevAsClient }>;
  /** A client discovered from `as` (by issuer), closed after the test before the dev AS. */
  connect(as: DevAs, rs: DevAsClient, options?: Partial<UmaClientOptions>): Promise<UmaClient>;
}

/** Dev ASs and clients closed after each test of the calling scope. */
export function umaSession(): UmaSession {
  const servers: DevAs[] = [];
  const clients: UmaClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    for (const server of servers.splice(0)) await server.close();
  });
  return {
    async start(dialect, options = {}) {
      const as = await startDevAs({ port: await restartablePort(), ...options, dialect });
      servers.push(as);
      return { as, rs: as.createClient({ clientId: 'rs-client', clientSecret: 'rs-secret-0123' }) };
    },
    async connect(as, rs, options = {}) {
      const base: UmaClientOptions = { clientId: rs.clientId, clientSecret: rs.clientSecret };
      const location = options.discoveryUrl === undefined ? { issuer: options.issuer ?? as.issuer } : {};
      const client = await UmaClient.discover({ ...base, ...location, ...options });
      clients.push(client);
      return client;
    },
  };
}
