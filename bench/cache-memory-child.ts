/**
 * Child of cache-memory.ts (run with --expose-gc): the proxy's real Authorizer, decision cache
 * and RPT-lifetime cache filled with `count` grants for distinct opaque RPTs (each also leaves an
 * introspection expiry behind), then the process's RSS and heap after a full GC, as JSON on stdout.
 *
 * argv: <count>
 */
import { Authorizer } from '../src/proxy/authorize.js';
import { DecisionCache } from '../src/proxy/decision-cache.js';
import { ProxyMetrics } from '../src/proxy/metrics.js';
import { oxdCheck } from '../src/proxy/oxd-backend.js';
import { RptLifetime } from '../src/proxy/rpt-lifetime.js';

const MiB = 1024 * 1024;

function settle(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage();
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? '100000');
  const now = Date.now;
  const exp = Math.floor(now() / 1000) + 3600;
  const authorizer = new Authorizer({
    backend: oxdCheck({
      checkAccess: () => Promise.resolve({ access: 'granted' }),
      lifetime: new RptLifetime({ introspect: () => Promise.resolve({ active: true, exp }), max: count, now }),
    }),
    repairRegistration: () => Promise.resolve(),
    cache: new DecisionCache({ max: count, now }),
    cacheTtlMs: 3_600_000,
    metrics: new ProxyMetrics(),
  });
  const before = settle();
  // RPT-sized opaque tokens (a UUID-like 36 characters, as the dev oxd and Gluu issue).
  for (let i = 0; i < count; i++) {
    await authorizer.check({ rpt: `rpt-${i.toString(16).padStart(32, '0')}`, method: 'GET', pattern: '/photo', generation: 1, client: '127.0.0.1' });
  }
  const hit = await authorizer.check({ rpt: `rpt-${(count - 1).toString(16).padStart(32, '0')}`, method: 'GET', pattern: '/photo', generation: 1, client: '127.0.0.1' });
  if (hit.kind !== 'granted' || !hit.cacheHit) throw new Error('the last grant is not cached: the cache is smaller than the count');
  const after = settle();
  process.stdout.write(`${JSON.stringify({ count, rssMiB: after.rss / MiB, heapDeltaMiB: (after.heapUsed - before.heapUsed) / MiB, baseRssMiB: before.rss / MiB })}\n`);
}

void main();
