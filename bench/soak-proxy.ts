/**
 * Soak child: one umagate proxy in a process of its own, so its RSS and descriptors are measured
 * alone. Tells the runner where it listens, answers heap samples, stops when the runner goes.
 *
 * argv: <policy file> <oxd ini> <upstream URL> <cache max> <oxd per client>
 * Started with --expose-gc: a heap sample is taken after a full collection, so it shows what is
 * still reachable, not how far the collector happens to lag.
 */
import { startProxy } from '../src/proxy/index.js';

const [policy, oxdConfig, upstream, cacheMax, oxdPerClient] = process.argv.slice(2);
if (policy === undefined || oxdConfig === undefined || upstream === undefined || cacheMax === undefined || oxdPerClient === undefined || process.send === undefined) {
  throw new Error('usage (from bench/soak.ts only): soak-proxy <policy> <oxd ini> <upstream> <cache max> <oxd per client>');
}
const send = process.send.bind(process);
const proxy = await startProxy({ policy, oxdConfig, upstream, cacheMax, oxdPerClient, listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', logLevel: 'warn', watchPolicy: false });
await proxy.registered;
process.on('message', (message: unknown) => {
  if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'heap') {
    globalThis.gc?.();
    send({ type: 'heap', heapUsed: process.memoryUsage().heapUsed });
  }
});
process.on('disconnect', () => {
  void proxy.close().finally(() => process.exit(0));
});
send({ type: 'ready', url: proxy.url });
