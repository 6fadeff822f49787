/**
 * The outcome table of ARCHITECTURE.md, row by row, through real servers: the dev oxd, the echo backend
 * and the proxy. Each row also asserts what the backend saw, because the property that matters
 * most is that nothing reaches it without a grant or a public rule.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness, type Protocol } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

interface Row {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly policy?: string;
  readonly status: number;
  readonly code: string | null;
  readonly forwarded: boolean;
}

const ALLOW_POLICY = `
unprotected: allow
resources:
  - path: /photo
    conditions:
      - httpMethods: [GET]
        scopes: [view]
`;

const rows: readonly Row[] = [
  { name: 'path fails canonicalisation → 400 bad_path', method: 'GET', path: '/public/../photo', status: 400, code: 'bad_path', forwarded: false },
  { name: 'public resource → forwarded', method: 'GET', path: '/health', status: 200, code: null, forwarded: true },
  { name: 'public ?? resource → forwarded', method: 'POST', path: '/public/a/b', status: 200, code: null, forwarded: true },
  { name: 'no match, unprotected: deny → 403 unprotected', method: 'GET', path: '/nothing', status: 403, code: 'unprotected', forwarded: false },
  { name: 'method not in the policy, deny → 403 unprotected', method: 'PATCH', path: '/photo', status: 403, code: 'unprotected', forwarded: false },
  { name: 'no match, unprotected: allow → forwarded', method: 'GET', path: '/nothing', policy: ALLOW_POLICY, status: 200, code: null, forwarded: true },
  { name: 'protected, no token → 401 uma_ticket', method: 'GET', path: '/photo', status: 401, code: 'uma_ticket', forwarded: false },
  { name: 'protected ? pattern, no token → 401 uma_ticket', method: 'GET', path: '/albums/7', status: 401, code: 'uma_ticket', forwarded: false },
];

describe('outcome table (ARCHITECTURE.md)', () => {
  it.each(rows)('$name', async (row) => {
    h = await startHarness(row.policy === undefined ? {} : { policy: row.policy });
    const res = await h.send(row.path, { method: row.method });
    expect(res.status).toBe(row.status);
    if (row.code !== null) {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(body.code).toBe(row.code);
      expect(body.message).toEqual(expect.any(String));
    }
    expect(h.backend.seen.length).toBe(row.forwarded ? 1 : 0);
  });

  it('401 carries oxd WWW-Authenticate verbatim and the ticket in the body', async () => {
    h = await startHarness();
    const res = await h.fetch('/photo');
    const body = (await res.json()) as { code: string; message: string; ticket: string };
    const header = res.headers.get('www-authenticate') ?? '';
    expect(header).toBe(`UMA realm="rs",as_uri="${h.oxd.opHost}",error="insufficient_scope",ticket="${body.ticket}"`);
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'ticket']);
    // The token-less request still asked oxd (with an empty rpt) to obtain that ticket.
    expect(h.oxd.count('uma_rs_check_access')).toBe(1);
  });

  it('granted → forwarded with the canonical path and the query as sent', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    const res = await h.fetch('/ph%6fto?x=%2F1&y', { headers: bearer(rpt) });
    expect(res.status).toBe(200);
    expect(h.backend.seen.map((s) => s.url)).toEqual(['/photo?x=%2F1&y']);
  });

  it('insufficient RPT → 401 with a fresh ticket (not a bare 403)', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    const res = await h.fetch('/admin', { headers: bearer(rpt) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^UMA realm="rs",as_uri=.*ticket="/);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('oxd unreachable → 503 authorization_unavailable with Retry-After, never forwarded', async () => {
    h = await startHarness();
    await h.oxd.stop();
    const res = await h.fetch('/photo', { headers: bearer('some-rpt') });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await res.json()) as { code: string }).code).toBe('authorization_unavailable');
    expect(h.backend.seen).toHaveLength(0);
  });

  it.each([
    { kind: 'garbage' as const, name: 'answering garbage' },
    { kind: 'delay' as const, name: 'timing out' },
  ])('oxd $name → 503, never forwarded', async ({ kind }) => {
    h = await startHarness({ proxy: { oxdTimeout: 0.3 } });
    h.oxd.faults.add({ command: 'uma_rs_check_access', fault: kind === 'delay' ? { kind, ms: 1000 } : { kind } });
    const res = await h.fetch('/photo', { headers: bearer('some-rpt') });
    expect(res.status).toBe(503);
    expect(h.backend.seen).toHaveLength(0);
  });

  // Response splitting (CWE-113): oxd's header is echoed verbatim, so one that is not a valid
  // header value is garbage from oxd — 503 — and never reaches the client in any form.
  it.each([
    ['CR LF', 'UMA realm="rs",ticket="t-1"\r\nSet-Cookie: session=attacker'],
    ['a bare LF', 'UMA realm="rs",ticket="t-1"\nSet-Cookie: session=attacker'],
    ['NUL', 'UMA realm="rs",ticket="t-1"\u0000'],
    ['DEL', 'UMA realm="rs",ticket="t-1"\u007f'],
  ])("oxd's WWW-Authenticate with %s → 503, never echoed, never forwarded", async (_name, header) => {
    h = await startHarness();
    h.oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'answer', data: { access: 'denied', ticket: 't-1', 'www-authenticate_header': header } } });
    const res = await h.send('/photo', { headers: bearer('some-rpt') });
    expect(res.status).toBe(503);
    expect(res.json().code).toBe('authorization_unavailable');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).not.toContain('t-1');
    expect(h.backend.seen).toHaveLength(0);
  });

  it('two Authorization headers → 400 bad_request', async () => {
    h = await startHarness();
    const res = await rawRequest(h.proxy.url, 'GET /photo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\nConnection: close\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 400/);
    expect(res).toContain('"code":"bad_request"');
    expect(h.backend.seen).toHaveLength(0);
  });

  it('a non-Bearer scheme counts as no RPT: oxd is asked with an empty rpt and a ticket comes back', async () => {
    h = await startHarness();
    const res = await h.fetch('/photo', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(res.status).toBe(401);
    const call = h.oxd.calls.find((c) => c.command === 'uma_rs_check_access');
    expect(call?.params.rpt ?? '').toBe('');
  });

  it('upstream unreachable → 502 upstream_unreachable', async () => {
    h = await startHarness({ proxy: { upstream: 'http://127.0.0.1:1' } });
    const res = await h.fetch('/health');
    expect(res.status).toBe(502);
    expect(((await res.json()) as { code: string }).code).toBe('upstream_unreachable');
  });

  it('upstream timing out → 504 upstream_timeout', async () => {
    h = await startHarness({ proxy: { upstreamTimeout: 0.2 } });
    h.backend.setDelay(2000);
    const res = await h.fetch('/health');
    expect(res.status).toBe(504);
    expect(((await res.json()) as { code: string }).code).toBe('upstream_timeout');
  });
});

describe('the decision log line with a trailing slash (two readings)', () => {
  const SHELF_POLICY = `
unprotected: deny
resources:
  - path: /shelf/
    public: true
  - path: /shelf
    conditions:
      - httpMethods: [GET]
        scopes: [view]
`;

  it('names the reading and the pattern that refused, not only the path sent', async () => {
    h = await startHarness({ policy: SHELF_POLICY });
    const res = await h.send('/shelf/');
    expect(res.status).toBe(401);
    expect(h.logs.requests().at(-1)).toMatchObject({ path: '/shelf/', reading: '/shelf', pattern: '/shelf', outcome: 'uma_ticket', status: 401, cacheHit: false });
  });

  it('names the reading and the pattern that granted', async () => {
    h = await startHarness({ policy: SHELF_POLICY });
    const rpt = await h.obtainRpt('GET', '/shelf');
    expect((await h.send('/shelf/', { headers: bearer(rpt) })).status).toBe(200);
    const line = await h.logs.waitFor('the granted /shelf/ request', (l) => l.msg === 'request' && l.path === '/shelf/' && l.status === 200);
    expect(line).toMatchObject({ reading: '/shelf', pattern: '/shelf', outcome: 'granted', cacheHit: false });
  });
});

describe.each<Protocol>(['socket', 'https-extension', 'rest'])('oxd denies without a ticket over %s', (protocol) => {
  it('→ 403 uma_forbidden with the Warning header, no challenge, never forwarded', async () => {
    h = await startHarness({ protocol });
    // 3.x writes the absent ticket and header as nulls; 4.x leaves them out.
    const data = protocol === 'rest' ? { access: 'denied' } : { access: 'denied', ticket: null, 'www-authenticate_header': null };
    h.oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'answer', data } });
    const res = await h.fetch('/photo', { headers: bearer('some-rpt') });
    expect(res.status).toBe(403);
    expect(res.headers.get('warning')).toBe('199 - "UMA Authorization Server Unreachable"');
    expect(res.headers.get('www-authenticate')).toBeNull();
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ code: 'uma_forbidden', message: body.message });
    expect(body.message).toEqual(expect.any(String));
    expect(h.backend.seen).toHaveLength(0);
  });
});

async function rawRequest(base: string, text: string): Promise<string> {
  const { connect } = await import('node:net');
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    socket.on('end', () => { resolve(data); });
    socket.on('error', reject);
  });
}
