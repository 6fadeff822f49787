/** Header hygiene units: RPT reading, spoofed-header stripping, X-Forwarded-*, hop-by-hop. */
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, framingProblem, hostProblem, isForwardingHeader, readRpt, requestIdOf, upstreamHeaders } from '../../src/proxy/request-headers.js';

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
  it.each([
    'X-Forwarded-For',
    'x_forwarded_host',
    'X-FORWARDED_PROTO',
    'Forwarded',
    'X-Original-URL',
    'x_rewrite_url',
    'X-HTTP-Method-Override',
    'X_HTTP_METHOD',
    'x-method-override',
    'X-Real-IP',
    'X-Original-URI',
    'x_original_method',
    'X-Envoy-Original-Path',
    'X-Envoy-Original-Method',
  ])(
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
    // The client's own headers stay as they came: forward.ts reads its Connection header.
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

describe('readRpt: the edges of the Authorization value', () => {
  it.each([
    { name: 'surrounding whitespace is ignored', raw: ['Authorization', '  Bearer abc  '], expected: { kind: 'bearer', token: 'abc' } },
    { name: 'several spaces or a tab before the token', raw: ['Authorization', 'Bearer \t  abc'], expected: { kind: 'bearer', token: 'abc' } },
    { name: 'an empty value is no RPT', raw: ['Authorization', ''], expected: { kind: 'none' } },
    { name: 'a blank value is no RPT', raw: ['Authorization', '   '], expected: { kind: 'none' } },
    { name: 'Bearer followed by blanks only is no RPT', raw: ['Authorization', 'Bearer    '], expected: { kind: 'none' } },
    { name: 'two identical Authorization headers are still two', raw: ['authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer a'], expected: { kind: 'invalid', detail: 'more than one Authorization header' } },
    { name: 'other headers around it are skipped', raw: ['Host', 'gw', 'Authorization', 'Bearer t0k=', 'Accept', '*/*'], expected: { kind: 'bearer', token: 't0k=' } },
    { name: 'a token that is not token68', raw: ['Authorization', 'Bearer a,b'], expected: { kind: 'invalid', detail: 'the Bearer token is not a token68 value' } },
    { name: 'a scheme that merely ends in "bearer" is not Bearer', raw: ['Authorization', 'NotBearer abc'], expected: { kind: 'none' } },
    { name: '"Bearer" run into the token is not Bearer', raw: ['Authorization', 'Bearerabc'], expected: { kind: 'none' } },
  ])('$name', ({ raw, expected }) => {
    expect(readRpt(raw)).toEqual(expected);
  });
});

describe('requestIdOf', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it.each(['abc-123', 'a.b_c:d', 'x'.repeat(128)])('keeps a plain client id: %s', (id) => {
    expect(requestIdOf({ 'x-request-id': id })).toBe(id);
  });

  it.each([
    ['none sent', undefined],
    ['empty', ''],
    ['too long (129)', 'x'.repeat(129)],
    ['a space', 'a b'],
    ['a quote', 'a"b'],
  ])('replaces one that is %s with a fresh UUID', (_name, id) => {
    const headers: IncomingHttpHeaders = id === undefined ? {} : { 'x-request-id': id };
    const first = requestIdOf(headers);
    expect(first).toMatch(UUID);
    expect(requestIdOf(headers)).not.toBe(first);
  });
});

describe('framingProblem: the reasons', () => {
  it.each([
    { method: 'GET', headers: { connection: 'keep-alive, Content-Length' }, reason: 'the Connection header lists content-length, a message-framing header' },
    { method: 'POST', headers: { connection: 'Transfer_Encoding' }, reason: 'the Connection header lists transfer-encoding, a message-framing header' },
    { method: 'DELETE', headers: { 'transfer-encoding': 'chunked' }, reason: 'DELETE with a Transfer-Encoding body is not accepted' },
    { method: 'OPTIONS', headers: { 'transfer-encoding': 'chunked' }, reason: 'OPTIONS with a Transfer-Encoding body is not accepted' },
    { method: 'DELETE', headers: { 'transfer-encoding': 'chunked', 'content-length': '4' }, reason: null },
    { method: 'DELETE', headers: { 'content-length': '4' }, reason: null },
    { method: 'GET', headers: { connection: 'keep-alive, x-custom' }, reason: null },
  ])('$method $headers → $reason', ({ method, headers, reason }) => {
    expect(framingProblem(method, headers)).toBe(reason);
  });
});

describe('upstreamHeaders: X-Forwarded-*', () => {
  const ctx = { peerAddress: '10.1.2.3', passCredentials: 'pass' as const, requestId: 'rid', upgrade: false };

  it('a trusted peer that sent none gets the proxy’s own', () => {
    expect(upstreamHeaders({ host: 'gw:8080' }, { ...ctx, trustedPeer: true })).toMatchObject({
      'x-forwarded-for': '10.1.2.3',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'gw:8080',
    });
  });

  it('an empty X-Forwarded-For from a trusted peer is not joined with a comma', () => {
    expect(upstreamHeaders({ 'x-forwarded-for': '' }, { ...ctx, trustedPeer: true })['x-forwarded-for']).toBe('10.1.2.3');
  });

  it('an untrusted peer’s X-Forwarded-Proto and -Host are replaced, not kept', () => {
    expect(upstreamHeaders({ host: 'gw', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil' }, { ...ctx, trustedPeer: false })).toMatchObject({
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'gw',
    });
  });

  it('without a Host header there is no X-Forwarded-Host', () => {
    expect(upstreamHeaders({ 'x-forwarded-host': 'evil' }, { ...ctx, trustedPeer: false })).not.toHaveProperty('x-forwarded-host');
  });

  it('the client’s X-Request-Id is replaced by the one the proxy logs', () => {
    expect(upstreamHeaders({ 'x-request-id': 'client' }, { ...ctx, trustedPeer: true })['x-request-id']).toBe('rid');
  });
});

describe('framingProblem: an upgrade carries no body', () => {
  const reason = 'an upgrade request carries no body: Content-Length and Transfer-Encoding are not accepted on it';
  it.each([
    { headers: { 'content-length': '5' }, upgrade: true, expected: reason },
    { headers: { 'transfer-encoding': 'chunked' }, upgrade: true, expected: reason },
    { headers: {}, upgrade: true, expected: null },
    { headers: { 'content-length': '5' }, upgrade: false, expected: null },
  ])('$headers, upgrade $upgrade → $expected', ({ headers, upgrade, expected }) => {
    expect(framingProblem('GET', headers, upgrade)).toBe(expected);
  });
});

describe('hostProblem', () => {
  it.each([
    { raw: ['Host', 'gw.example:8080'], expected: null },
    { raw: ['host', '[::1]:80'], expected: null },
    { raw: ['Accept', '*/*'], expected: null },
    { raw: ['X-Other', 'not a host', 'Host', '10.0.0.1'], expected: null },
    { raw: ['Host', 'a', 'HOST', 'a'], expected: 'more than one Host header' },
    { raw: ['Host', 'evil.example/path'], expected: 'the Host header is not host[:port]' },
    { raw: ['Host', ''], expected: 'the Host header is not host[:port]' },
    { raw: ['Host', 'user@gw'], expected: 'the Host header is not host[:port]' },
  ])('$raw → $expected', ({ raw, expected }) => {
    expect(hostProblem(raw)).toBe(expected);
  });
});

describe('clientAddress', () => {
  const trusted = (address: string): boolean => address.startsWith('10.');
  it.each([
    { name: 'an untrusted peer is the client, whatever it forwards', peer: '192.0.2.1', xff: '198.51.100.7', expected: '192.0.2.1' },
    { name: 'behind a trusted proxy: the rightmost untrusted hop', peer: '10.0.0.1', xff: '203.0.113.9, 198.51.100.7, 10.0.0.2', expected: '198.51.100.7' },
    { name: 'repeated headers are one list', peer: '10.0.0.1', xff: ['203.0.113.9', ' 198.51.100.7 '], expected: '198.51.100.7' },
    { name: 'empty entries are skipped', peer: '10.0.0.1', xff: '198.51.100.7,,', expected: '198.51.100.7' },
    { name: 'every hop trusted: the leftmost', peer: '10.0.0.1', xff: '10.0.0.3, 10.0.0.2', expected: '10.0.0.3' },
    { name: 'nothing forwarded: the trusted peer itself', peer: '10.0.0.1', xff: undefined, expected: '10.0.0.1' },
  ])('$name', ({ peer, xff, expected }) => {
    expect(clientAddress(peer, xff, trusted)).toBe(expected);
  });
});
