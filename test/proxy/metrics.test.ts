/**
 * Request and cache-lookup counts are tallied outside prom-client and handed to it when the
 * registry is read: every read (text scrape, the JSON a cluster worker sends for aggregation)
 * must show every count exactly once, whatever the reads in between.
 */
import { AggregatorRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ProxyMetrics } from '../../src/proxy/metrics.js';

describe('per-request counters', () => {
  it('show every count once across repeated scrapes', async () => {
    const metrics = new ProxyMetrics();
    metrics.countRequest('granted', '/photo');
    metrics.countRequest('granted', '/photo');
    metrics.countRequest('unprotected', null);
    metrics.countCacheLookup('hit');
    const first = await metrics.registry.metrics();
    expect(first).toContain('umagate_requests_total{outcome="granted",pattern="/photo"} 2');
    expect(first).toContain('umagate_requests_total{outcome="unprotected",pattern="none"} 1');
    expect(first).toContain('umagate_decision_cache_lookups_total{result="hit"} 1');
    metrics.countRequest('granted', '/photo');
    metrics.countCacheLookup('miss');
    await metrics.registry.metrics();
    const third = await metrics.registry.metrics();
    expect(third).toContain('umagate_requests_total{outcome="granted",pattern="/photo"} 3');
    expect(third).toContain('umagate_requests_total{outcome="unprotected",pattern="none"} 1');
    expect(third).toContain('umagate_decision_cache_lookups_total{result="hit"} 1');
    expect(third).toContain('umagate_decision_cache_lookups_total{result="miss"} 1');
  });

  it('are summed across workers from their JSON, as the cluster primary does', async () => {
    const workers = [new ProxyMetrics(), new ProxyMetrics()];
    workers[0]?.countRequest('public', '/health');
    workers[1]?.countRequest('public', '/health');
    workers[1]?.countRequest('public', '/health');
    const aggregated = AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.registry.getMetricsAsJSON())));
    expect(await aggregated.metrics()).toContain('umagate_requests_total{outcome="public",pattern="/health"} 3');
  });
});
