/**
 * The decision alone (enforce.ts), with a compiled policy and a real Authorizer whose
 * check_access is scripted: which reading and pattern decided, when a forward counts as a cache
 * hit, what oxd is asked, and that nothing is forwarded before the first registration or on an
 * oxd answer that could not be sent as a header.
 */
import { describe, expect, it } from 'vitest';
import type { CheckAccessResult } from '../../src/oxd/index.js';
import { parsePolicy } from '../../src/policy/index.js';
import { Authorizer } from '../../src/proxy/authorize.js';
import { DecisionCache } from '../../src/proxy/decision-cache.js';
import { decide, type Decision, type EnforceInput } from '../../src/proxy/enforce.js';
import { ProxyMetrics } from '../../src/proxy/metrics.js';
import { oxdCheck } from '../../src/proxy/oxd-backend.js';
import { OxdCapacityError } from '../../src/proxy/errors.js';
import { compileState } from '../../src/proxy/policy-state.js';
import { RptLifetime } from '../../src/proxy/rpt-lifetime.js';
import type { RptReading } from '../../src/proxy/request-headers.js';

const POLICY = `
unprotected: deny
resources:
  - path: /photo
    conditions:
      - httpMethods: [GET]
        scopes: [view]
  # /shelf/ and /shelf are different resources: a trailing slash is read both ways.
  - path: /shelf/
    public: true
  - path: /shelf
    conditions:
      - httpMethods: [GET]
        scopes: [view]
  - path: /desk/
    conditions:
      - httpMethods: [GET]
        scopes: [view]
  - path: /desk
    public: true
  - path: /box/
    conditions:
      - httpMethods: [GET]
        scopes: [view]
  - path: /box
    conditions:
      - httpMethods: [GET]
        scopes: [edit]
  - path: /open/??
    public: true
`;

const ALLOW_POLICY = `
unprotected: allow
resources:
  - path: /pub
    public: true
  - path: /vault/
    conditions:
      - httpMethods: [GET]
        scopes: [view]
`;

const GRANTED: CheckAccessResult = { access: 'granted' };
type Answer = (rpt: string | null, pattern: string) => CheckAccessResult;

function setup(options: { answer?: Answer; policy?: string; registered?: boolean } = {}) {
  const asked: { rpt: string | null; pattern: string; method: string }[] = [];
  const answer = options.answer ?? ((): CheckAccessResult => GRANTED);
  const now = (): number => 1_000_000_000_000;
  const authorizer = new Authorizer({
    backend: oxdCheck({
      checkAccess: (rpt, pattern, method) => {
        asked.push({ rpt, pattern, method });
        try {
          return Promise.resolve(answer(rpt, pattern));
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
      lifetime: new RptLifetime({ introspect: () => Promise.resolve({ active: true, exp: now() / 1000 + 3600 }), max: 10, now }),
    }),
    repairRegistration: () => Promise.resolve(),
    cache: new DecisionCache({ max: 10, now }),
    cacheTtlMs: 60_000,
    metrics: new ProxyMetrics(),
  });
  const state = compileState(parsePolicy(options.policy ?? POLICY, 'policies.yaml'), 1, 'hash');
  const ctx = { state, registered: options.registered ?? true, authorizer, retryAfterSeconds: 7 };
  const run = (target: string, rpt: RptReading = { kind: 'bearer', token: 'rpt-1' }, method = 'GET'): Promise<Decision> =>
    // decide is synchronous when no reading needs oxd; the tests read every outcome alike.
    Promise.resolve(decide(ctx, { method, target, rpt, client: '10.0.0.1' } satisfies EnforceInput));
  return { run, asked };
}

describe('decide: what is forwarded', () => {
  it('forwards the canonical path with the query exactly as sent', async () => {
    const t = setup();
    expect(await t.run('/open/%61?next=http://x/y&z=%zz', { kind: 'none' })).toEqual({
      kind: 'forward',
      reason: 'public',
      url: '/open/a?next=http://x/y&z=%zz',
      path: '/open/a',
      reading: '/open/a',
      pattern: '/open/??',
      cacheHit: false,
    });
  });

  it('forwards a path without a query with no "?"', async () => {
    const t = setup();
    const decision = await t.run('/photo');
    expect(decision.kind === 'forward' && decision.url).toBe('/photo');
  });

  it('an unmatched path under unprotected: allow is forwarded with no pattern', async () => {
    const t = setup({ policy: ALLOW_POLICY });
    expect(await t.run('/elsewhere', { kind: 'none' })).toMatchObject({ kind: 'forward', reason: 'unprotected_allowed', pattern: null, cacheHit: false });
    expect(t.asked).toEqual([]);
  });
});

describe('decide: what is refused', () => {
  it('a target that fails canonicalisation is bad_path, with no path and the reason as detail', async () => {
    const t = setup();
    expect(await t.run('/a/../photo')).toEqual({
      kind: 'reject',
      rejection: { code: 'bad_path', detail: 'dot segment ("." or "..")' },
      path: null,
      reading: null,
      pattern: null,
      cacheHit: false,
      detail: 'dot segment ("." or "..")',
    });
    expect(t.asked).toEqual([]);
  });

  it('an unusable Authorization header is bad_request, before oxd is asked', async () => {
    const t = setup();
    expect(await t.run('/photo', { kind: 'invalid', detail: 'two headers' })).toEqual({
      kind: 'reject',
      rejection: { code: 'bad_request', detail: 'two headers' },
      path: '/photo',
      reading: null,
      pattern: null,
      cacheHit: false,
      detail: 'two headers',
    });
    expect(t.asked).toEqual([]);
  });

  it('an unmatched path under unprotected: deny is refused as unprotected', async () => {
    const t = setup();
    expect(await t.run('/elsewhere')).toMatchObject({ kind: 'reject', rejection: { code: 'unprotected' }, reading: '/elsewhere', pattern: null, detail: null });
  });

  it('before the first registration a protected path is 503 and oxd is never asked', async () => {
    const t = setup({ registered: false });
    expect(await t.run('/photo')).toEqual({
      kind: 'reject',
      rejection: { code: 'authorization_unavailable', retryAfterSeconds: 7 },
      path: '/photo',
      reading: '/photo',
      pattern: '/photo',
      cacheHit: false,
      detail: 'not_registered',
    });
    expect(t.asked).toEqual([]);
  });

  it('before the first registration a public path is still forwarded', async () => {
    const t = setup({ registered: false });
    expect((await t.run('/open/x')).kind).toBe('forward');
  });

  it("oxd's denial with a ticket is uma_ticket carrying oxd's header verbatim", async () => {
    const t = setup({ answer: () => ({ access: 'denied', ticket: 't-1', wwwAuthenticate: 'UMA realm="rs",ticket="t-1"' }) });
    expect(await t.run('/photo', { kind: 'none' })).toEqual({
      kind: 'reject',
      rejection: { code: 'uma_ticket', ticket: 't-1', wwwAuthenticate: 'UMA realm="rs",ticket="t-1"' },
      path: '/photo',
      reading: '/photo',
      pattern: '/photo',
      cacheHit: false,
      detail: null,
    });
    expect(t.asked).toEqual([{ rpt: null, pattern: '/photo', method: 'GET' }]);
  });

  it("oxd's denial without a ticket is uma_forbidden", async () => {
    const t = setup({ answer: () => ({ access: 'denied', ticket: null, wwwAuthenticate: null }) });
    expect(await t.run('/photo')).toMatchObject({ kind: 'reject', rejection: { code: 'uma_forbidden' }, pattern: '/photo', detail: null });
  });

  // Response splitting (CWE-113): the header is sent verbatim, and the WebSocket path writes raw
  // bytes, so a value that is not a valid header value must never become a rejection to echo.
  it.each([
    ['CR LF and a second header', 'UMA ticket="t"\r\nSet-Cookie: a=b'],
    ['a bare LF', 'UMA ticket="t"\nx'],
    ['a bare CR', 'UMA ticket="t"\rx'],
    ['NUL', 'UMA ticket="t"\u0000'],
    ['DEL', 'UMA ticket="t"\u007f'],
    ['a character outside Latin-1', 'UMA ticket="\u2028"'],
  ])("oxd's WWW-Authenticate with %s is oxd garbage: 503, never echoed", async (_name, header) => {
    const t = setup({ answer: () => ({ access: 'denied', ticket: 't', wwwAuthenticate: header }) });
    expect(await t.run('/photo')).toEqual({
      kind: 'reject',
      rejection: { code: 'authorization_unavailable', retryAfterSeconds: 7 },
      path: '/photo',
      reading: '/photo',
      pattern: '/photo',
      cacheHit: false,
      detail: 'oxd sent a WWW-Authenticate value that is not a valid header value',
    });
  });

  it('a check shed for capacity is 429 with its own Retry-After, and the shed reason as detail', async () => {
    const t = setup({
      answer: () => {
        throw new OxdCapacityError('client_limit', 3);
      },
    });
    expect(await t.run('/photo')).toMatchObject({
      kind: 'reject',
      rejection: { code: 'too_many_requests', retryAfterSeconds: 3 },
      reading: '/photo',
      pattern: '/photo',
      detail: 'client_limit',
    });
  });

  it('oxd failing is 503 with the failure reason as detail', async () => {
    const t = setup({
      answer: () => {
        throw new Error('boom');
      },
    });
    expect(await t.run('/photo')).toMatchObject({ kind: 'reject', rejection: { code: 'authorization_unavailable', retryAfterSeconds: 7 }, detail: 'oxd_error' });
  });
});

describe('decide: a trailing slash is read both ways, and the log names the reading that decided', () => {
  it('the reading without the slash refuses: its reading and pattern are reported', async () => {
    const t = setup({ answer: () => ({ access: 'denied', ticket: 't', wwwAuthenticate: 'UMA ticket="t"' }) });
    expect(await t.run('/shelf/')).toMatchObject({ kind: 'reject', rejection: { code: 'uma_ticket' }, path: '/shelf/', reading: '/shelf', pattern: '/shelf' });
  });

  it('the reading with the slash refuses: its reading and pattern are reported', async () => {
    const t = setup({ answer: () => ({ access: 'denied', ticket: 't', wwwAuthenticate: 'UMA ticket="t"' }) });
    expect(await t.run('/desk/')).toMatchObject({ kind: 'reject', reading: '/desk/', pattern: '/desk/' });
  });

  it('the first reading to refuse decides, and the second is never asked about', async () => {
    const t = setup({ answer: (_rpt, pattern) => (pattern === '/box/' ? { access: 'denied', ticket: null, wwwAuthenticate: null } : GRANTED) });
    expect(await t.run('/box/')).toMatchObject({ kind: 'reject', rejection: { code: 'uma_forbidden' }, reading: '/box/', pattern: '/box/' });
    expect(t.asked.map((a) => a.pattern)).toEqual(['/box/']);
  });

  it('a later reading that refuses overrides an earlier grant', async () => {
    const t = setup({ answer: (_rpt, pattern) => (pattern === '/box' ? { access: 'denied', ticket: null, wwwAuthenticate: null } : GRANTED) });
    expect(await t.run('/box/')).toMatchObject({ kind: 'reject', rejection: { code: 'uma_forbidden' }, reading: '/box', pattern: '/box' });
    expect(t.asked.map((a) => a.pattern)).toEqual(['/box/', '/box']);
  });

  it.each([
    ['the grant on the second reading outranks the public first', '/shelf/', '/shelf', '/shelf'],
    ['the grant on the first reading outranks the public second', '/desk/', '/desk/', '/desk/'],
  ])('forwarded: %s', async (_name, target, reading, pattern) => {
    const t = setup();
    expect(await t.run(target)).toMatchObject({ kind: 'forward', reason: 'granted', path: target, reading, pattern });
  });

  it('both readings granted: the first reading is reported, both patterns were asked about', async () => {
    const t = setup();
    expect(await t.run('/box/')).toMatchObject({ kind: 'forward', reason: 'granted', reading: '/box/', pattern: '/box/' });
    expect(t.asked.map((a) => a.pattern)).toEqual(['/box/', '/box']);
  });

  it('a public reading outranks an unprotected pass under unprotected: allow', async () => {
    const t = setup({ policy: ALLOW_POLICY });
    expect(await t.run('/pub/', { kind: 'none' })).toMatchObject({ kind: 'forward', reason: 'public', reading: '/pub', pattern: '/pub' });
  });
});

describe('decide: cacheHit', () => {
  it('is false when oxd was asked and true when the grant came from the cache', async () => {
    const t = setup();
    expect(await t.run('/photo')).toMatchObject({ kind: 'forward', reason: 'granted', cacheHit: false });
    expect(await t.run('/photo')).toMatchObject({ kind: 'forward', reason: 'granted', cacheHit: true });
    expect(t.asked).toHaveLength(1);
  });

  it('is false for a public forward (no grant was looked up)', async () => {
    const t = setup();
    await t.run('/open/x');
    expect(await t.run('/open/x')).toMatchObject({ kind: 'forward', reason: 'public', cacheHit: false });
  });

  it('is true for a cached grant beside a public reading', async () => {
    const t = setup();
    await t.run('/shelf');
    expect(await t.run('/shelf/')).toMatchObject({ kind: 'forward', reason: 'granted', cacheHit: true });
  });

  it('is true for a cached grant beside an unprotected pass (unprotected: allow)', async () => {
    const t = setup({ policy: ALLOW_POLICY });
    await t.run('/vault/');
    expect(await t.run('/vault/')).toMatchObject({ kind: 'forward', reason: 'granted', reading: '/vault/', pattern: '/vault/', cacheHit: true });
  });

  it('is false when one of two granted readings needed oxd', async () => {
    const t = setup();
    await t.run('/box');
    expect(await t.run('/box/')).toMatchObject({ kind: 'forward', reason: 'granted', cacheHit: false });
    expect(await t.run('/box/')).toMatchObject({ kind: 'forward', reason: 'granted', cacheHit: true });
  });

  it('is false on a refusal even after a cached grant for the other reading', async () => {
    const t = setup({ answer: (_rpt, pattern) => (pattern === '/box' ? { access: 'denied', ticket: null, wwwAuthenticate: null } : GRANTED) });
    await t.run('/box/');
    expect(await t.run('/box/')).toMatchObject({ kind: 'reject', cacheHit: false });
  });
});
