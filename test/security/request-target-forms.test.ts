/**
 * Attack class: request-target parser differentials (peers §4: CVE-2019-9901 Envoy, Caddy
 * PR #4407, http-proxy-middleware#1168, gluu-gateway#347). The attacker sends a target that
 * Node's parser accepts but that the proxy and the backend could read as different paths —
 * absolute-form with userinfo or odd schemes, `//host`, `*`, CONNECT's authority-form, raw
 * whitespace, a `%` with nothing after it, `%2e` spelt in any case, `%00`, `;` parameters,
 * very long targets — hoping the proxy matches a public path while the backend serves `/admin`.
 * Every such target is either refused (400 `bad_path`, or Node's own 400/431) or reduced to one
 * canonical path that is both matched and forwarded. Raw bytes are sent with a `net` socket.
 */
import { describe, expect, it } from 'vitest';
import { useFileHarness } from '../proxy/harness.js';
import { rawExchange, statusOf } from '../helpers/raw-socket.js';

const harness = useFileHarness();

/** Sends one request line as raw bytes; returns the status and what the backend saw meanwhile. */
async function rawRequest(method: string, target: string, extraHeaders = ''): Promise<{ status: number; raw: string; seen: string[] }> {
  const h = harness();
  const before = h.backend.seen.length;
  const raw = await rawExchange(h.proxy.url, `${method} ${target} HTTP/1.1\r\nHost: gw\r\n${extraHeaders}Connection: close\r\n\r\n`);
  return { status: statusOf(raw), raw, seen: h.backend.seen.slice(before).map((s) => s.url) };
}

describe('targets that must be refused, with nothing forwarded', () => {
  it.each([
    ['asterisk-form', 'OPTIONS', '*'],
    ['authority lookalike //host/path', 'GET', '//admin'],
    ['absolute-form, empty segment after host', 'GET', 'http://gw//admin'],
    ['absolute-form, other scheme', 'GET', 'ws://gw/admin'],
    ['absolute-form, ftp', 'GET', 'ftp://gw/public/x'],
    ['"%" at the end', 'GET', '/public/x%'],
    ['"%" with one hex digit', 'GET', '/public/x%2'],
    ['"%" with non-hex', 'GET', '/public/%zz'],
    ['%00', 'GET', '/public/x%00/../admin'],
    ['upper-case %2E%2E', 'GET', '/public/%2E%2E/admin'],
    ['mixed-case %2e%2E', 'GET', '/public/%2e%2E/admin'],
    ['half-encoded .%2e', 'GET', '/public/.%2e/admin'],
    ['%2e alone', 'GET', '/public/%2e/admin'],
    ['dot segment after ; params', 'GET', '/public/..;x=1/admin'],
    ['empty segment after ; params', 'GET', '/public/;x/admin'],
    ['encoded ; (%3B)', 'GET', '/admin%3Bx/public'],
    ['encoded / (%2f)', 'GET', '/public/..%2fadmin'],
    ['raw backslash', 'GET', '/public/..\\admin'],
    ['encoded tab', 'GET', '/public/%09/admin'],
    ['encoded DEL', 'GET', '/public/%7F'],
    ['C1 control %C2%85', 'GET', '/public/%C2%85'],
    ['overlong "." %c0%ae', 'GET', '/public/%c0%ae%c0%ae/admin'],
    ['UTF-16 surrogate %ed%a0%80', 'GET', '/public/%ed%a0%80'],
  ])('%s: %s %s → 400 bad_path', async (_name, method, target) => {
    const { status, raw, seen } = await rawRequest(method, target);
    expect(status).toBe(400);
    expect(raw).toContain('"code":"bad_path"');
    expect(seen).toEqual([]);
  });

  it.each([
    ['raw tab inside the target', 'GET /public/x\t/admin'],
    ['raw non-ASCII bytes', 'GET /public/\xc3\xa9'],
    ['scheme without slashes', 'GET http:/public/x'],
    ['lower-case method', 'get /admin'],
    ['unknown method', 'BREW /admin'],
    ['a second space-separated token', 'POST /public/x /admin'],
  ])('%s is refused by the HTTP parser (400)', async (_name, line) => {
    const h = harness();
    const before = h.backend.seen.length;
    const raw = await rawExchange(h.proxy.url, `${line} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`);
    expect(statusOf(raw)).toBe(400);
    expect(h.backend.seen.length).toBe(before);
  });

  it('CONNECT (authority-form) is never tunnelled: the connection is closed unanswered', async () => {
    const { status, seen } = await rawRequest('CONNECT', 'admin:80');
    expect(status).toBe(0);
    expect(seen).toEqual([]);
  });

  it('absolute-form with no path is the root "/", never the query (403 unprotected)', async () => {
    const { status, raw, seen } = await rawRequest('GET', 'http://evil.example?x=/public/x');
    expect(status).toBe(403);
    expect(raw).toContain('"code":"unprotected"');
    expect(seen).toEqual([]);
  });

  it('a target longer than the header limit gets 431 and is not forwarded', async () => {
    const { status, seen } = await rawRequest('GET', `/public/${'a/'.repeat(10_000)}x`);
    expect(status).toBe(431);
    expect(seen).toEqual([]);
  });
});

describe('targets reduced to one canonical path, matched and forwarded alike', () => {
  it.each([
    ['absolute-form with userinfo and port', 'http://user:pw@evil.example:81/public/x?q=1', '/public/x?q=1'],
    ['absolute-form, upper-case scheme', 'HTTP://evil.example/public/x', '/public/x'],
    ['percent-encoded unreserved characters', '/public/%61dmin%7e', '/public/admin~'],
    ['lower-case escapes of reserved bytes', '/public/a%3ab', '/public/a%3Ab'],
    ['; parameters are forwarded as sent', '/public/x;jsessionid=1', '/public/x;jsessionid=1'],
  ])('%s: %s → backend sees %s', async (_name, target, forwarded) => {
    const { status, seen } = await rawRequest('GET', target);
    expect(status).toBe(200);
    expect(seen).toEqual([forwarded]);
  });

  it.each([
    ['absolute-form pointing at a protected path', 'http://public.example/admin'],
    ['; parameter on a protected path', '/admin;x=1'],
    ['; parameter and upper case', '/ADMIN;jsessionid=1'],
    ['encoded letters of a protected path', '/%61%64%6d%69%6e'],
  ])('%s (%s) is judged as the protected path: 401, nothing forwarded', async (_name, target) => {
    const { status, raw, seen } = await rawRequest('GET', target);
    expect(status).toBe(401);
    expect(raw).toContain('"code":"uma_ticket"');
    expect(seen).toEqual([]);
  });
});
