/**
 * Bench child: one umagate proxy, configured as `umagate serve` would be except for the listen
 * addresses (loopback, port 0) and the policy watcher (off: nothing edits the file). Logging stays
 * at the default level, so the per-request decision log is part of what is measured; the runner
 * sends stdout to /dev/null.
 *
 * argv: <policy file> <oxd ini> <upstream URL> <cache TTL seconds> [workers: a count or auto; default 1]
 */
import { startProxy } from '../src/proxy/index.js';
import { serveChild } from './sut-child.js';

serveChild(async () => {
  const [policy, oxdConfig, upstream, cacheTtl, workers = '1'] = process.argv.slice(2);
  if (policy === undefined || oxdConfig === undefined || upstream === undefined || cacheTtl === undefined) {
    throw new Error('usage: sut-proxy <policy> <oxd ini> <upstream> <cache TTL seconds>');
  }
  const proxy = await startProxy({ policy, oxdConfig, upstream, cacheTtl, workers, listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', watchPolicy: false });
  await proxy.registered;
  return { info: { url: proxy.url, adminUrl: proxy.adminUrl }, close: () => proxy.close() };
});
