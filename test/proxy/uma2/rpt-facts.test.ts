/**
 * Direct mode's introspection cache: --cache-ttl bounds how long an introspection answer is
 * relied on for later requests, never whether it decides the request that asked for it.
 */
import { describe, expect, it } from 'vitest';
import { IntrospectionCache, grantLifetimeMs } from '../../../src/proxy/uma2/rpt-facts.js';

const NOW = 1_900_000_000_000;
const BINDING = { id: 'res-1', required: ['view'], ticketScopes: ['view'] };
const CALLER = { carriesToken: true, client: '127.0.0.1' };

function cache(ttlMs: number): { cache: IntrospectionCache; calls: () => number } {
  let calls = 0;
  const introspection = new IntrospectionCache({
    introspect: () => {
      calls += 1;
      return Promise.resolve({ active: true, exp: NOW / 1000 + 3600, permissions: [{ resource_id: 'res-1', resource_scopes: ['view'] }] });
    },
    ttlMs,
    max: 10,
    now: () => NOW,
  });
  return { cache: introspection, calls: () => calls };
}

describe('IntrospectionCache', () => {
  // Regression: with --cache-ttl 0 the answer was stamped "valid until now" and so granted
  // nothing: every valid RPT was refused in direct mode.
  it.each([0, 60_000])('grants an active RPT on its own answer with --cache-ttl %i ms', async (ttlMs) => {
    const { cache: introspection } = cache(ttlMs);
    const facts = await introspection.verify('rpt', 'hash', CALLER);
    expect(grantLifetimeMs(facts, BINDING, NOW)).toBeGreaterThan(0);
  });

  it.each([
    { ttlMs: 0, calls: 2 },
    { ttlMs: 60_000, calls: 1 },
  ])('asks the AS again for a later request only past --cache-ttl ($ttlMs ms: $calls calls)', async ({ ttlMs, calls }) => {
    const subject = cache(ttlMs);
    await subject.cache.verify('rpt', 'hash', CALLER);
    await subject.cache.verify('rpt', 'hash', CALLER);
    expect(subject.calls()).toBe(calls);
  });
});
