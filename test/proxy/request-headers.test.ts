/** Header hygiene units: RPT reading, spoofed-header stripping, X-Forwarded-*, hop-by-hop. */
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { framingProblem, isForwardingHeader, readRpt, upstreamHeaders } from '../../src/proxy/request-headers.js';

describe('readRpt', () => {
  it.each([
    { raw: [], expected: { kind: 'none' } },
    { raw: ['Authorization', 'Bearer abc.def-ghi'], expected: { kind: 'bearer', token: 'abc.def-ghi' } },
    { raw: ['authorization', 'bearer abc'], expected: { kind: 'bearer', token: 'abc' } },
    { raw: ['Authorization', 'Basic dXNlcjpw'], expected: { kind: 'none' } },
    { raw: ['Authorization', 'Bearer'], expected: { kind: 'none' } },
    { raw: ['Authorization', 'Bearer a b'], expected: { kind: 'invalid', detail: expect.any(String) as string } },
    { raw: ['Authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b'], expected: { kind: 'invalid', detail: 'more than one Authorization header' } },
  ])('$raw → $expected.kind', ({ raw, expected }) => {
    expect(readRpt(raw)).toEqual(expected);
  });
});

describe('isForwardingHeader', () => {
  it.each(['X-Forwarded-For', 'x_forwarded_host', 'X-FORWARDED_PROTO', 'Forwarded', 'X-Original-URL', 'x_rewrite_url', 'X-HTTP-Method-Override', 'X_HTTP_METHOD', 'x-method-override'])(
    '%s is only kept from trusted proxies',
    (name) => {
      expect(isForwardingHeader(name)).toBe(true);
    },
  );
  it.each(['Authorization', 'X-Request-Id', 'Content-Type'])('%s passes', (name) => {
    expect(isForwardingHeader(name)).toBe(false);
  });
});

describe('upstreamHeaders', () => {
  const base = { peerAddress: '10.1.2.3', passCredentials: 'pass' as const, requestId: 'rid', upgrade: false };

  it('drops spoofed headers from an untrusted peer and sets its own X-Forwarded-*', () => {
    const headers: IncomingHttpHeaders = {
      host: 'gw.example',
      'x-forwarded-for': '1.1.1.1',
      x_forwarded_host: 'evil',
      'x-original-url': '/admin',
      'x-http-method-override': 'DELETE',
      connection: 'keep-alive, x-custom',
      'x-custom': 'hop',
      'keep-alive': 'timeout=5',
      authorization: 'Bearer t',
    };
    const before = { ...headers };
    expect(upstreamHeaders(headers, { ...base, trustedPeer: false })).toEqual({
      host: 'gw.example',
      authorization: 'Bearer t',
      'x-request-id': 'rid',
      'x-forwarded-for': '10.1.2.3',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'gw.example',
    });
    // The client's own headers stay as they came: http-proxy reads its Connection header.
    expect(headers).toEqual(before);
  });

  it('keeps and extends the forwarding headers of a trusted peer', () => {
    const headers: IncomingHttpHeaders = { host: 'gw', 'x-forwarded-for': '1.1.1.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example' };
    const out = upstreamHeaders(headers, { ...base, trustedPeer: true });
    expect(out['x-forwarded-for']).toBe('1.1.1.1, 10.1.2.3');
    expect(out['x-forwarded-proto']).toBe('https');
    expect(out['x-forwarded-host']).toBe('public.example');
  });

  it('hide strips Authorization', () => {
    const headers: IncomingHttpHeaders = { authorization: 'Bearer t' };
    expect(upstreamHeaders(headers, { ...base, trustedPeer: false, passCredentials: 'hide' }).authorization).toBeUndefined();
  });

  it('keeps Connection/Upgrade for a WebSocket upgrade', () => {
    const headers: IncomingHttpHeaders = { connection: 'Upgrade', upgrade: 'websocket' };
    const out = upstreamHeaders(headers, { ...base, trustedPeer: false, upgrade: true });
    expect(out.connection).toBe('Upgrade');
    expect(out.upgrade).toBe('websocket');
  });
});

describe('framingProblem (node-http-proxy#1720)', () => {
  it.each([
    { method: 'DELETE', headers: { 'transfer-encoding': 'chunked' }, bad: true },
    { method: 'OPTIONS', headers: { 'transfer-encoding': 'chunked' }, bad: true },
    { method: 'DELETE', headers: {}, bad: false },
    { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, bad: false },
  ])('$method $headers → rejected: $bad', ({ method, headers, bad }) => {
    expect(framingProblem(method, headers) !== null).toBe(bad);
  });
});

describe('upstreamHeaders: hop-by-hop headers (RFC 9110 §7.6.1)', () => {
  const ctx = { trustedPeer: false, peerAddress: '10.1.2.3', passCredentials: 'pass' as const, requestId: 'rid', upgrade: false };

  it.each(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'expect'])('%s never goes upstream', (name) => {
    const out = upstreamHeaders({ [name]: 'v', 'x-end-to-end': 'kept' }, ctx);
    expect(out[name]).toBeUndefined();
    expect(out['x-end-to-end']).toBe('kept');
  });

  it('every header named in Connection is dropped, whatever its case, spacing or "_" spelling', () => {
    const headers: IncomingHttpHeaders = { host: 'gw', connection: ' X-One ,x_two,,X-THREE ', 'x-one': '1', 'x-two': '2', x_three: '3', 'x-four': '4' };
    expect(Object.keys(upstreamHeaders(headers, ctx)).filter((n) => n.startsWith('x-') || n.startsWith('x_')).sort()).toEqual([
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-proto',
      'x-four',
      'x-request-id',
    ]);
  });

  it('a framing header named in Connection is kept (the request is refused before this; see framingProblem)', () => {
    const headers: IncomingHttpHeaders = { connection: 'content-length, transfer-encoding', 'content-length': '5', 'transfer-encoding': 'chunked' };
    const out = upstreamHeaders(headers, ctx);
    expect(out['content-length']).toBe('5');
    expect(out['transfer-encoding']).toBe('chunked');
  });

  it('an upgrade keeps Connection and Upgrade but still drops the other hop-by-hop headers', () => {
    const headers: IncomingHttpHeaders = { connection: 'Upgrade, x-hop', upgrade: 'websocket', 'x-hop': '1', te: 'trailers', 'proxy-connection': 'keep-alive' };
    const out = upstreamHeaders(headers, { ...ctx, upgrade: true });
    expect(out).toMatchObject({ connection: 'Upgrade, x-hop', upgrade: 'websocket' });
    expect([out['x-hop'], out.te, out['proxy-connection']]).toEqual([undefined, undefined, undefined]);
  });
});
