/**
 * Bench child: the dev oxd (REST only, as oxd 4.x), the dev UMA 2.0 AS and the demo echo backend,
 * in one process. The sandbox echo backend keeps no request log, so its cost per request stays
 * flat however long the bench runs. The dev AS speaks the Keycloak dialect and issues JWT RPTs
 * (as Keycloak does), so one AS serves both direct-mode readings: introspection and
 * `--rpt-verify jwt`. It gets one resource-server client per name on the command line (one per
 * direct-mode proxy, as separate deployments would have) and one requesting-party client; their
 * secrets go to the runner over IPC, never on a command line.
 *
 * argv: [resource-server client id …]
 * info: backendUrl, oxdRestUrl, opHost, asIssuer, rpClientId, rpClientSecret, and
 *       `secret:<client id>` for each resource-server client.
 */
import { startDevAs } from '../src/devas/index.js';
import { startDevOxd } from '../src/devoxd/index.js';
import { startEchoBackend } from '../src/sandbox/echo-backend.js';
import { Closers } from './closers.js';
import { serveChild } from './sut-child.js';

/** The requesting party every direct-mode RPT is issued to. */
const RP_CLIENT_ID = 'umagate-bench-rp';

serveChild(async () => {
  const resourceServers = process.argv.slice(2);
  const closers = new Closers();
  const close = (): Promise<void> => closers.closeAll();
  try {
    const oxd = await startDevOxd({ socketPort: null, restPort: 0 });
    closers.add(() => oxd.close());
    const as = await startDevAs({ dialect: 'keycloak', jwtRpts: true });
    closers.add(() => as.close());
    const backend = await startEchoBackend({ host: '127.0.0.1', port: 0 });
    closers.add(() => backend.close());
    const rp = as.createClient({ clientId: RP_CLIENT_ID });
    const secrets = Object.fromEntries(resourceServers.map((clientId) => [`secret:${clientId}`, as.createClient({ clientId }).clientSecret]));
    return {
      info: { backendUrl: backend.url, oxdRestUrl: oxd.restUrl ?? '', opHost: oxd.opHost, asIssuer: as.issuer, rpClientId: rp.clientId, rpClientSecret: rp.clientSecret, ...secrets },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
});
