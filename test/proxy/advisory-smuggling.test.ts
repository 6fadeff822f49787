/**
 * Advisory class: request smuggling through http-proxy's deleteLength pass
 * (http-party/node-http-proxy#1720 / #1721; same root cause as CVE-2026-29057). For a DELETE or
 * OPTIONS with `Transfer-Encoding: chunked` and no Content-Length, http-proxy sets
 * `content-length: 0` and deletes Transfer-Encoding — yet still pipes the body. The backend
 * reads an empty DELETE, then parses the body as a SECOND request that never went through
 * authorization (here: `GET /admin`). umagate refuses such requests with 400 before anything is
 * forwarded; other chunked requests keep their chunked framing intact. The upstream is a raw
 * `net` server recording the exact bytes it received.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rawExchange, startRawUpstream, type RawUpstream } from '../helpers/raw-socket.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | null = null;
let upstream: RawUpstream | null = null;
afterEach(async () => {
  await h?.close();
  await upstream?.close();
  h = null;
  upstream = null;
});

async function rawUpstream(): Promise<RawUpstream> {
  upstream = await startRawUpstream();
  return upstream;
}

const POLICY = `
unprotected: deny
resources:
  - path: /items/??
    public: true
  - path: /admin
    conditions:
      - httpMethods: [GET]
        scopes: [admin]
`;

const SMUGGLED = 'GET /admin HTTP/1.1\r\nHost: backend\r\n\r\n';

describe('node-http-proxy#1720 deleteLength smuggling', () => {
  it.each(['DELETE', 'OPTIONS'])('%s with a chunked body is refused with 400 and nothing reaches the upstream', async (method) => {
    const up = await rawUpstream();
    h = await startHarness({ policy: POLICY, proxy: { upstream: up.url } });
    const chunk = SMUGGLED.length.toString(16);
    const response = await rawExchange(
      h.proxy.url,
      `${method} /items/1 HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk}\r\n${SMUGGLED}\r\n0\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 400/);
    expect(response).toContain('"code":"bad_request"');
    // A negative: give a (wrongly) forwarded request time to arrive. It cannot make the test flaky.
    await new Promise((r) => setTimeout(r, 100));
    expect(up.bytes()).toBe('');
  });

  it('a chunked POST is forwarded with its chunked framing intact (no second request appears)', async () => {
    const up = await rawUpstream();
    h = await startHarness({ policy: POLICY, proxy: { upstream: up.url } });
    const chunk = SMUGGLED.length.toString(16);
    const response = await rawExchange(
      h.proxy.url,
      `POST /items/1 HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk}\r\n${SMUGGLED}\r\n0\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    // The upstream answers on the head alone: the body may still be on its way.
    await up.receivedThrough('0\r\n\r\n');
    const bytes = up.bytes();
    expect(bytes).toMatch(/^POST \/items\/1 HTTP\/1\.1\r\n/);
    expect(bytes.toLowerCase()).toContain('transfer-encoding: chunked');
    expect(bytes.toLowerCase()).not.toContain('content-length: 0');
    // The would-be request only ever travels inside a chunk, after its size line.
    expect(bytes).toContain(`${chunk}\r\n${SMUGGLED}`);
  });
});
