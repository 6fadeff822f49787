/**
 * Soak child: one umagate proxy in a process of its own, so its RSS and descriptors are measured
 * alone. Started by bench/soak.ts, which sends the proxy's options over IPC (`start`: they may
 * hold a client secret, which never goes on a command line). Tells the runner where it listens,
 * answers heap samples, and forwards every decision log line that is neither a grant answered
 * 200 nor a denial with a ticket (`log`), so that each error the load sees comes with the
 * proxy's own outcome and detail. Stops when the runner goes.
 *
 * Started with --expose-gc: a heap sample is taken after a full collection, so it shows what is
 * still reachable, not how far the collector happens to lag.
 */
import { once } from 'node:events';
import { startProxy, type StartProxyOptions } from '../src/proxy/index.js';

if (process.send === undefined) throw new Error('soak-proxy is started by bench/soak.ts only (it needs an IPC channel)');
const send = process.send.bind(process);

/** pino's warn: boot and reload chatter below it is not forwarded. */
const WARN = 40;

/**
 * Whether the runner hears of this line: a request's decision unless it is one of the kinds the
 * soak expects by the hundred thousand (told apart without parsing), anything else from warn up.
 */
function worthForwarding(line: string): boolean {
  if (line.includes('"msg":"request"')) {
    return !(line.includes('"outcome":"uma_ticket"') || (line.includes('"outcome":"granted"') && line.includes('"status":200')));
  }
  return Number(/"level":(\d+)/.exec(line)?.[1] ?? WARN) >= WARN;
}

const [message] = (await once(process, 'message')) as [{ type?: unknown; options?: unknown }];
if (message.type !== 'start' || typeof message.options !== 'object' || message.options === null) throw new Error('soak-proxy expected a start message first');
const options = message.options as StartProxyOptions;
const proxy = await startProxy({
  ...options,
  // The production default level, so every decision is logged as it would be in service.
  logLevel: 'info',
  logDestination: {
    write(line: string) {
      // Shutdown is logged after the runner has gone: nobody is left to tell.
      if (process.connected && worthForwarding(line)) send({ type: 'log', line });
    },
  },
});
await proxy.registered;
process.on('message', (m: unknown) => {
  if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'heap') {
    globalThis.gc?.();
    send({ type: 'heap', heapUsed: process.memoryUsage().heapUsed });
  }
});
process.on('disconnect', () => {
  void proxy.close().finally(() => process.exit(0));
});
send({ type: 'ready', url: proxy.url });
