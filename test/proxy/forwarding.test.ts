/**
 * What the backend receives for a request the proxy lets through: the request target byte for
 * byte (canonical path, query as sent) and none of the hop-by-hop headers, end to end.
 */
import { describe, expect, it } from 'vitest';
import { useFileHarness } from './harness.js';

const harness = useFileHarness();

describe('the request target upstream', () => {
  // The absolute-form rule applies to the start of the target only: a URL later in the query
  // is data, and must neither be stripped nor be read as the target's authority.
  it.each([
    ['/public/login?next=http://x/y'],
    ['/public/login?next=https://evil.example:8443/a/../b'],
    ['/public/a?u=HTTP://x&v=http://'],
    ['/public/a?/../admin'],
    ['/public/a?x=%zz&y=%2F'],
    // A literal "%" followed by one hex digit is no escape: forwarded, where /x%252e is refused.
    ['/public/x%25a'],
  ])('%s reaches the backend byte for byte', async (target) => {
    const h = harness();
    const res = await h.send(target);
    expect(res.status).toBe(200);
    expect(h.backend.seen.at(-1)?.url).toBe(target);
  });

  it('an absolute-form target is forwarded as its path and query only', async () => {
    const h = harness();
    expect((await h.send('http://other.example/public/a?next=http://x/y')).status).toBe(200);
    expect(h.backend.seen.at(-1)?.url).toBe('/public/a?next=http://x/y');
  });

  it('"http://" inside the path is an empty segment: refused, never read as an authority', async () => {
    const h = harness();
    const before = h.backend.seen.length;
    const res = await h.send('/public/http://b');
    expect(res.status).toBe(400);
    expect(res.json().code).toBe('bad_path');
    expect(h.backend.seen).toHaveLength(before);
  });
});

describe('hop-by-hop headers upstream (RFC 9110 §7.6.1)', () => {
  it('Proxy-Connection, TE, Trailer, Keep-Alive and every header named in Connection are absent', async () => {
    const h = harness();
    // A Trailer header needs a chunked body (Node's client refuses it otherwise).
    const res = await h.send('/public/hop', {
      method: 'POST',
      body: 'payload',
      headers: {
        'transfer-encoding': 'chunked',
        connection: 'keep-alive, X-Hop-One,x-hop-two , X_Hop_Three',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x-checksum',
        'x-hop-one': '1',
        'x-hop-two': '2',
        'x-hop-three': '3',
        'x-end-to-end': 'kept',
      },
    });
    expect(res.status).toBe(200);
    const seen = h.backend.seen.at(-1);
    const names = (seen?.rawHeaders ?? []).filter((_v, i) => i % 2 === 0).map((n) => n.toLowerCase());
    for (const name of ['proxy-connection', 'te', 'trailer', 'keep-alive', 'x-hop-one', 'x-hop-two', 'x-hop-three']) {
      expect(names).not.toContain(name);
    }
    expect(seen?.headers['x-end-to-end']).toBe('kept');
    expect(seen?.body).toBe('payload');
  });
});
