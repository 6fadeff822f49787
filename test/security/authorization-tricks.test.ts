/**
 * Attack class: RPT smuggling and confusion. The attacker presents a token where the proxy and the
 * backend disagree on which one counts: two Authorization headers (the proxy checks one, the
 * backend reads the other), a comma list in one header, or a token outside the Authorization
 * header (query `access_token`, a cookie, `X-Authorization`, `Authorization_`) that a backend
 * might honour while the proxy ignored it. umagate reads exactly one `Authorization: Bearer`
 * (scheme case-insensitive); two headers or a non-token68 value → 400 `bad_request`; any other
 * carrier is never honoured, so without a header the request gets the UMA 401 challenge.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useFileHarness } from '../proxy/harness.js';
import { rawExchange, statusOf } from '../helpers/raw-socket.js';

const harness = useFileHarness();
let rpt = '';
beforeAll(async () => {
  rpt = await harness().obtainRpt('GET', '/photo');
});

describe('Authorization header shapes', () => {
  it('one header, lower-case scheme: granted', async () => {
    const res = await harness().send('/photo', { headers: { authorization: `bearer ${rpt}` } });
    expect(res.status).toBe(200);
  });

  it.each([
    ['two headers, valid first', (t: string) => `Authorization: Bearer ${t}\r\nAuthorization: Bearer other`],
    ['two headers, valid second', (t: string) => `Authorization: Bearer other\r\nauthorization: Bearer ${t}`],
    ['two headers, one Basic', (t: string) => `Authorization: Bearer ${t}\r\nAUTHORIZATION: Basic dTpw`],
    ['a comma list in one header', (t: string) => `Authorization: Bearer ${t}, Bearer other`],
    ['a token with a space', (t: string) => `Authorization: Bearer ${t} x`],
  ])('%s → 400 bad_request, nothing forwarded', async (_name, header) => {
    const h = harness();
    const before = h.backend.seen.length;
    const raw = await rawExchange(h.proxy.url, `GET /photo HTTP/1.1\r\nHost: gw\r\n${header(rpt)}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(raw)).toBe(400);
    expect(raw).toContain('"code":"bad_request"');
    expect(h.backend.seen.length).toBe(before);
  });
});

describe('tokens outside the Authorization header are never honoured', () => {
  it.each([
    ['query access_token', (t: string) => ({ target: `/photo?access_token=${t}`, headers: {} })],
    ['cookie', (t: string) => ({ target: '/photo', headers: { cookie: `access_token=${t}; rpt=${t}` } })],
    ['X-Authorization', (t: string) => ({ target: '/photo', headers: { 'x-authorization': `Bearer ${t}` } })],
    ['Authorization_', (t: string) => ({ target: '/photo', headers: { Authorization_: `Bearer ${t}` } })],
    ['Proxy-Authorization', (t: string) => ({ target: '/photo', headers: { 'proxy-authorization': `Bearer ${t}` } })],
    ['another scheme', (t: string) => ({ target: '/photo', headers: { authorization: `Token ${t}` } })],
  ])('%s → 401 with a ticket, nothing forwarded', async (_name, make) => {
    const h = harness();
    const before = h.backend.seen.length;
    const { target, headers } = make(rpt);
    const res = await h.send(target, { headers });
    expect(res.status).toBe(401);
    expect(res.json().code).toBe('uma_ticket');
    expect(h.backend.seen.length).toBe(before);
  });
});
