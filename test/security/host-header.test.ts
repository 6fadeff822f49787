/**
 * Attack class: Host header injection (CWE-644; password-reset poisoning, cache poisoning, routing
 * to internal virtual hosts). The backend builds absolute URLs from `Host` or from the
 * `X-Forwarded-Host` the proxy derives from it. Found by attacking the running proxy: a Host
 * holding a path, `?`, `#`, `@` userinfo, or nothing at all was forwarded and copied into
 * X-Forwarded-Host, so a client chose what the backend took for its own origin — `gw@evil.example`
 * reads as host `evil.example` to a URL parser. Now a Host that is not `host[:port]`, or a
 * second Host header, is refused with 400 `bad_request` before the request is judged, on plain
 * requests and upgrades alike.
 */
import { describe, expect, it } from 'vitest';
import { useFileHarness } from '../proxy/harness.js';
import { rawExchange, statusOf } from '../helpers/raw-socket.js';

const harness = useFileHarness();
const WS = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

async function exchange(hostLines: string, extra = 'Connection: close\r\n'): Promise<{ status: number; raw: string; forwarded: number }> {
  const h = harness();
  const before = h.backend.seen.length;
  const raw = await rawExchange(h.proxy.url, `GET /public/x HTTP/1.1\r\n${hostLines}${extra}\r\n`);
  return { status: statusOf(raw), raw, forwarded: h.backend.seen.length - before };
}

describe('a Host that is not host[:port]', () => {
  it.each([
    ['a path', 'Host: gw/admin\r\n'],
    ['only a path', 'Host: /admin\r\n'],
    ['a query', 'Host: gw?x=1\r\n'],
    ['a fragment', 'Host: gw#x\r\n'],
    ['userinfo', 'Host: gw@evil.example\r\n'],
    ['empty', 'Host: \r\n'],
    ['a space inside', 'Host: gw evil.example\r\n'],
    ['a backslash', 'Host: evil.example\\gw\r\n'],
    ['two ports', 'Host: gw:80:81\r\n'],
    ['a port that is not a number', 'Host: gw:http\r\n'],
    ['two Host headers', 'Host: gw\r\nHost: evil.example\r\n'],
  ])('%s → 400 bad_request, nothing forwarded', async (_name, hostLines) => {
    const { status, raw, forwarded } = await exchange(hostLines);
    expect(status).toBe(400);
    expect(raw).toContain('"code":"bad_request"');
    expect(forwarded).toBe(0);
  });

  it('on a WebSocket upgrade too', async () => {
    const { status, raw, forwarded } = await exchange('Host: gw@evil.example\r\n', WS);
    expect(status).toBe(400);
    expect(raw).toContain('"code":"bad_request"');
    expect(forwarded).toBe(0);
  });
});

describe('ordinary Host values pass and become X-Forwarded-Host', () => {
  it.each(['gw', 'gw.example.org:8080', 'my_service:80', '127.0.0.1', '[::1]:8080', 'GW.Example'])('%s', async (host) => {
    const { status, forwarded } = await exchange(`Host: ${host}\r\n`);
    expect(status).toBe(200);
    expect(forwarded).toBe(1);
    expect(harness().backend.seen.at(-1)?.headers['x-forwarded-host']).toBe(host);
  });
});
