/**
 * Bench child: the dev oxd (REST only, as oxd 4.x) and the demo echo backend, in one process
 * pinned apart from the load generator. The sandbox echo backend keeps no request log, so its
 * cost per request stays flat however long the bench runs.
 */
import { startDevOxd } from '../src/devoxd/index.js';
import { startEchoBackend } from '../src/sandbox/echo-backend.js';
import { serveChild } from './sut-child.js';

serveChild(async () => {
  const oxd = await startDevOxd({ socketPort: null, restPort: 0 });
  const backend = await startEchoBackend({ host: '127.0.0.1', port: 0 }).catch(async (err: unknown) => {
    await oxd.close();
    throw err;
  });
  return {
    info: { backendUrl: backend.url, oxdRestUrl: oxd.restUrl ?? '', opHost: oxd.opHost },
    async close() {
      await backend.close();
      await oxd.close();
    },
  };
});
