/**
 * Attack class: hop-by-hop abuse. A client may name any header in `Connection`, and a proxy must
 * then drop it (RFC 9110 §7.6.1). The attacker uses that to make the proxy remove a header the
 * proxy itself relies on, or to keep one it should have replaced: `Connection: X-Forwarded-For`
 * hoping the client's own X-Forwarded-For survives, or the proxy's is lost; `Connection:
 * x-request-id` to break request correlation; `Connection: Authorization` to pass a checked RPT's
 * request on without it. (Framing headers named in Connection are the smuggling class:
 * request-smuggling.test.ts.) The proxy's X-Forwarded-* and X-Request-Id are set after the
 * connection options are dropped, so they always reach the backend, and only its own values.
 */
import { describe, expect, it } from 'vitest';
import { bearer, useFileHarness } from '../proxy/harness.js';

const harness = useFileHarness();

describe('Connection options', () => {
  it('cannot remove or replace the forwarding headers the proxy sets', async () => {
    const h = harness();
    const res = await h.send('/public/x', {
      headers: {
        connection: 'keep-alive, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, X-Request-Id',
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'admin.internal',
        'x-request-id': 'client-id-1',
      },
    });
    expect(res.status).toBe(200);
    const seen = h.backend.seen.at(-1);
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-host']).toBe(`127.0.0.1:${new URL(h.proxy.url).port}`);
    expect(seen?.headers['x-request-id']).toBe('client-id-1');
    expect(seen?.headers.connection).not.toContain('X-Forwarded');
  });

  it('naming Authorization drops it from what the backend sees, after the RPT was checked', async () => {
    const h = harness();
    const rpt = await h.obtainRpt('GET', '/photo');
    const res = await h.send('/photo', { headers: { ...bearer(rpt), connection: 'close, Authorization' } });
    expect(res.status).toBe(200);
    expect(h.backend.seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('naming Authorization without a valid RPT does not skip the check', async () => {
    const h = harness();
    const before = h.backend.seen.length;
    const res = await h.send('/photo', { headers: { authorization: 'Bearer forged', connection: 'Authorization' } });
    expect(res.status).toBe(401);
    expect(h.backend.seen.length).toBe(before);
  });
});
