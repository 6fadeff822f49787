/**
 * Direct UMA 2.0 mode through real servers, in every dialect of the dev AS: idempotent
 * reconcile, PAT expiry, tickets, the introspection cache, outages and drift, and each bad input
 * the operator may give — answered with one line at boot or in /readyz, never a forward.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { DevAs, DevAsDialect } from '../../../src/devas/index.js';
import { startProxy, type RunningProxy } from '../../../src/proxy/index.js';
import { JWKS_REFETCH_INTERVAL_MS } from '../../../src/proxy/uma2/rpt-verify.js';
import { UmaClient } from '../../../src/uma/index.js';
import { bearer, LogCapture, POLICY, RS_CLIENT, startHarness, type Harness, type HarnessOptions } from '../harness.js';

const DIALECTS: readonly DevAsDialect[] = ['keycloak', 'janssen', 'strict'];

let h: Harness | null = null;
const extra: RunningProxy[] = [];
afterEach(async () => {
  for (const proxy of extra.splice(0)) await proxy.close();
  await h?.close();
  h = null;
});

function stateFile(harness: Harness): string {
  return join(harness.dir, 'state', 'uma-resources.json');
}

/** A second proxy booted like the harness's (same policy, AS, client and state file): a restart. */
async function reboot(harness: Harness): Promise<RunningProxy> {
  const proxy = await startProxy({
    policy: harness.policyFile,
    upstream: harness.backend.url,
    listen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    logLevel: 'silent',
    watchPolicy: false,
    authz: 'uma2',
    issuer: harness.as.issuer,
    clientId: RS_CLIENT.clientId,
    clientSecret: RS_CLIENT.clientSecret,
    umaState: stateFile(harness),
  });
  extra.push(proxy);
  await proxy.registered;
  return proxy;
}

function writes(as: DevAs): { POST: number; PUT: number; DELETE: number } {
  return { POST: as.count('resource_registration', 'POST'), PUT: as.count('resource_registration', 'PUT'), DELETE: as.count('resource_registration', 'DELETE') };
}

function idsByName(as: DevAs): Record<string, string> {
  return Object.fromEntries(as.resources().map((r) => [r.name ?? '', r.id]));
}

/** An RS-side UmaClient to touch the AS behind the proxy's back (a foreign resource, a lost one). */
async function operator(as: DevAs): Promise<UmaClient> {
  return UmaClient.discover({ issuer: as.issuer, clientId: RS_CLIENT.clientId, clientSecret: RS_CLIENT.clientSecret });
}

const start = (dialect: DevAsDialect, options: HarnessOptions = {}): Promise<Harness> => startHarness({ mode: 'uma2', dialect, ...options });

describe.each(DIALECTS)('direct mode against the %s dev AS: reconcile', (dialect) => {
  it('registers one resource per condition, named as oxd names them', async () => {
    h = await start(dialect);
    expect(Object.keys(idsByName(h.as)).sort()).toEqual(['[GET, POST] /admin', '[GET] /albums/?', '[GET] /photo', '[PUT, POST, DELETE] /photo']);
    expect(h.as.resources().every((r) => r.type === 'urn:umagate:resource')).toBe(true);
  });

  it('a second boot makes zero writes and keeps every id', async () => {
    h = await start(dialect);
    const before = { writes: writes(h.as), ids: idsByName(h.as) };
    await reboot(h);
    expect(writes(h.as)).toEqual(before.writes);
    expect(idsByName(h.as)).toEqual(before.ids);
  });

  it('editing one condition makes exactly one PUT and keeps every id', async () => {
    h = await start(dialect, { proxy: { watchPolicy: false } });
    const before = { writes: writes(h.as), ids: idsByName(h.as) };
    await writeFile(h.policyFile, POLICY.replace('scopes: [http://photoz.example.com/dev/actions/admin]', 'scopes: [http://photoz.example.com/dev/actions/admin, extra]'));
    expect(await h.proxy.reload()).toMatchObject({ result: 'applied', registration: 'registered' });
    expect(writes(h.as)).toEqual({ ...before.writes, PUT: before.writes.PUT + 1 });
    expect(idsByName(h.as)).toEqual(before.ids);
  });

  it('a condition removed from the policy is deleted at the AS, nothing else', async () => {
    h = await start(dialect, { proxy: { watchPolicy: false } });
    const before = { writes: writes(h.as), ids: idsByName(h.as) };
    await writeFile(h.policyFile, POLICY.replace(/ {2}- path: \/admin\n(?: {4}.*\n){3}/, ''));
    await h.proxy.reload();
    expect(writes(h.as)).toEqual({ ...before.writes, DELETE: before.writes.DELETE + 1 });
    const { ['[GET, POST] /admin']: _gone, ...kept } = before.ids;
    expect(idsByName(h.as)).toEqual(kept);
  });

  it('a lost state file is rebuilt from the AS without duplicates or writes', async () => {
    h = await start(dialect);
    const before = { writes: writes(h.as), ids: idsByName(h.as) };
    await rm(stateFile(h));
    await reboot(h);
    expect(writes(h.as)).toEqual(before.writes);
    expect(h.as.resources()).toHaveLength(4);
    expect(idsByName(h.as)).toEqual(before.ids);
  });

  it('never deletes a resource of another type or without the name prefix', async () => {
    h = await start(dialect, { proxy: { resourceNamePrefix: 'rs1:' }, waitRegistered: false, oxdDown: true });
    const client = await (async () => {
      await h.as.start();
      return operator(h.as);
    })();
    const foreign = [
      await client.createResource({ name: 'Default Resource', type: 'urn:my-client:resources:default', resource_scopes: ['x'] }),
      await client.createResource({ name: 'rs2:[GET] /photo', type: 'urn:umagate:resource', resource_scopes: ['x'] }),
    ];
    await client.close();
    await h.proxy.registered;
    const ids = h.as.resources().map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(foreign));
    expect(h.as.resources().filter((r) => r.name?.startsWith('rs1:') === true)).toHaveLength(4);
    expect(writes(h.as).DELETE).toBe(0);
  });
});

describe('direct mode against the keycloak dev AS: 409 adoption', () => {
  it('adopts a resource of the same name the AS already holds (409) instead of failing or duplicating', async () => {
    h = await start('keycloak', { waitRegistered: false, oxdDown: true });
    await h.as.start();
    const client = await operator(h.as);
    // Same name, no umagate type: the planner does not claim it, so the POST meets Keycloak's 409.
    const existing = await client.createResource({ name: '[GET] /photo', resource_scopes: ['old'] });
    await client.close();
    await h.proxy.registered;
    expect(idsByName(h.as)['[GET] /photo']).toBe(existing);
    expect(h.as.resources()).toHaveLength(4);
    expect(h.as.calls.some((c) => c.endpoint === 'resource_registration' && c.method === 'POST' && c.status === 409)).toBe(true);
    // Adopted and described as umagate describes it.
    expect(h.as.resources().find((r) => r.id === existing)).toMatchObject({ type: 'urn:umagate:resource', scopes: ['http://photoz.example.com/dev/actions/view'] });
  });
});

describe.each(DIALECTS)('direct mode against the %s dev AS: per request', (dialect) => {
  it('a ticket is single-use: trading it twice fails the second time', async () => {
    h = await start(dialect);
    const res = await h.fetch('/photo');
    const { ticket } = (await res.json()) as { ticket: string };
    await h.rptFor(ticket);
    await expect(h.rptFor(ticket)).rejects.toThrow();
  });

  it('every 401 carries a fresh ticket (tickets are never cached)', async () => {
    h = await start(dialect);
    const tickets = await Promise.all([h.fetch('/photo'), h.fetch('/photo')].map(async (p) => ((await (await p).json()) as { ticket: string }).ticket));
    expect(new Set(tickets).size).toBe(2);
    expect(h.as.count('permission')).toBe(2);
  });

  it('an expired PAT is replaced on the AS 401, once, and the request still gets its ticket', async () => {
    h = await start(dialect);
    const tokensBefore = h.as.count('token');
    h.as.expireTokens();
    const res = await h.fetch('/photo');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/ticket="/);
    expect(h.as.count('token')).toBe(tokensBefore + 1);
  });

  it('a grant reaches the backend; the RPT is introspected once per cache period, not per request', async () => {
    h = await start(dialect);
    const rpt = await h.obtainRpt('GET', '/photo');
    for (let i = 0; i < 3; i += 1) expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    // Another rule, same RPT: the decision is new, the introspection is not.
    expect((await h.fetch('/albums/1', { headers: bearer(rpt) })).status).toBe(401);
    expect(h.as.count('introspection')).toBe(1);
    expect(h.backend.seen).toHaveLength(3);
  });

  it('an RPT for GET does not open PUT (scopes per condition)', async () => {
    h = await start(dialect);
    const rpt = await h.obtainRpt('GET', '/photo');
    const res = await h.fetch('/photo', { method: 'PUT', headers: bearer(rpt) });
    expect(res.status).toBe(401);
    expect(h.backend.seen).toHaveLength(0);
  });
});

describe('direct mode: the introspection cache is bounded by the RPT exp and --cache-ttl', () => {
  it('relies on an introspection at most until the RPT expires, then asks again and refuses', async () => {
    const clock = { now: Date.UTC(2030, 0, 1) };
    h = await start('keycloak', { as: { now: () => clock.now, rptLifetimeSeconds: 10 }, proxy: { now: () => clock.now, cacheTtl: 60 } });
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    clock.now += 5_000;
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect(h.as.count('introspection')).toBe(1);
    clock.now += 6_000; // past exp: neither the decision nor the introspection may answer now
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(401);
    expect(h.as.count('introspection')).toBe(2);
  });

  it('a revoked RPT is refused once --cache-ttl has passed (introspection mode sees revocation)', async () => {
    const clock = { now: Date.UTC(2030, 0, 1) };
    h = await start('keycloak', { as: { now: () => clock.now }, proxy: { now: () => clock.now, cacheTtl: 2 } });
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    h.as.revokeToken(rpt);
    clock.now += 2_500;
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(401);
  });
});

describe('direct mode: outages and drift', () => {
  it('AS down → 503 with Retry-After, nothing forwarded; back → served again without a restart', async () => {
    h = await start('keycloak', { proxy: { breaker: { failureThreshold: 1, probeIntervalMs: 100 } } });
    await h.as.stop();
    const down = await h.fetch('/photo');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    const from = h.logs.lines.length;
    await h.as.start();
    await h.logs.waitFor('the breaker closing', (l) => l.msg === 'the authorization server circuit breaker changed state' && l.to === 'closed', from);
    expect(h.as.count('discovery')).toBeGreaterThanOrEqual(2); // the half-open probe is a discovery GET
    expect((await h.fetch('/photo')).status).toBe(401);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('resources lost at the AS (drift) are registered again once, and the request gets its ticket', async () => {
    h = await start('keycloak');
    const client = await operator(h.as);
    for (const id of await client.listResources()) await client.deleteResource(id);
    await client.close();
    const res = await h.fetch('/photo');
    expect(res.status).toBe(401);
    expect(h.as.resources()).toHaveLength(4);
    expect(h.logs.lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('registration drift'))).toHaveLength(1);
  });
});

describe('direct mode: bad input is one line in /readyz, and nothing is forwarded meanwhile', () => {
  const UMA1 = { issuer: 'x', resource_set_registration_endpoint: 'x', permission_registration_endpoint: 'x', rpt_endpoint: 'x', token_endpoint: 'x' };
  const rows: readonly { readonly name: string; readonly options: HarnessOptions; readonly says: RegExp }[] = [
    { name: 'a UMA 1.0 discovery document', options: { prepareAs: (as) => { as.faults.add({ endpoint: 'discovery', fault: { kind: 'answer', status: 200, body: UMA1 } }); } }, says: /UMA 1\.0/ },
    {
      name: 'a discovery document without a permission endpoint',
      options: { prepareAs: (as) => { as.faults.add({ endpoint: 'discovery', fault: { kind: 'answer', status: 200, body: { issuer: as.issuer, token_endpoint: `${as.url}/t`, resource_registration_endpoint: `${as.url}/r`, introspection_endpoint: `${as.url}/i` } } }); } },
      says: /permission_endpoint/,
    },
    { name: 'a wrong client secret', options: { proxy: { clientSecret: 'not-the-secret' } }, says: /secret/ },
    { name: 'a client without uma_protection', options: { rsClient: { umaProtection: false } }, says: /uma_protection/ },
    { name: 'Keycloak remote resource management switched off', options: { prepareAs: (as) => { as.setRemoteResourceManagement(false); } }, says: /[Rr]emote/ },
    { name: 'an HTML page instead of JSON', options: { prepareAs: (as) => { as.faults.add({ endpoint: 'discovery', fault: { kind: 'html' } }); } }, says: /HTML|JSON/ },
  ];

  it.each(rows)('$name', async ({ options, says }) => {
    h = await start('keycloak', { ...options, waitRegistered: false, proxy: { ...options.proxy } });
    await h.logs.waitFor('the failed registration', (l) => typeof l.msg === 'string' && l.msg.startsWith('cannot register the policy with the authorization server'));
    const ready = await fetch(`${h.proxy.adminUrl}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { ready: boolean; problem?: string };
    expect(body.problem).toMatch(says);
    expect(body.problem).not.toContain('\n');
    expect((await h.fetch('/photo', { headers: bearer('some-rpt') })).status).toBe(503);
    expect(h.backend.seen).toHaveLength(0);
    expect(h.logs.text).not.toContain(RS_CLIENT.clientSecret);
  });
});

describe('direct mode: secrets stay out of the logs', () => {
  it('neither the client secret nor an RPT nor a ticket appears in any log line', async () => {
    const logs = new LogCapture();
    h = await start('janssen', { proxy: { logDestination: logs } });
    const res = await h.fetch('/photo');
    const { ticket } = (await res.json()) as { ticket: string };
    const rpt = await h.rptFor(ticket);
    await h.fetch('/photo', { headers: bearer(rpt) });
    await h.as.stop();
    await h.fetch('/photo', { headers: bearer(rpt) });
    for (const secret of [RS_CLIENT.clientSecret, rpt, ticket]) expect(logs.text).not.toContain(secret);
  });
});

describe.each(DIALECTS)('direct mode with --rpt-verify jwt against the %s dev AS', (dialect) => {
  const startJwt = (options: HarnessOptions = {}): Promise<Harness> =>
    start(dialect, { ...options, as: { jwtRpts: true, ...options.as }, proxy: { rptVerify: 'jwt', ...options.proxy } });

  it('a decision-cache miss costs no AS call: the RPT is verified locally', async () => {
    h = await startJwt();
    const rpt = await h.obtainRpt('GET', '/photo');
    const calls = h.as.calls.length;
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect(h.as.calls.length).toBe(calls);
    expect(h.as.count('introspection')).toBe(0);
  });

  it('a revoked but unexpired RPT is still accepted: local verification cannot see revocation before exp', async () => {
    h = await startJwt({ proxy: { cacheTtl: 0 } });
    const rpt = await h.obtainRpt('GET', '/photo');
    h.as.revokeToken(rpt);
    // Documented trade-off of --rpt-verify jwt (README): introspection mode refuses it instead.
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
  });

  it('an expired RPT is refused with a fresh ticket', async () => {
    const clock = { now: Date.UTC(2030, 0, 1) };
    h = await startJwt({ as: { now: () => clock.now, rptLifetimeSeconds: 10 }, proxy: { now: () => clock.now } });
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    clock.now += 11_000;
    const res = await h.fetch('/photo', { headers: bearer(rpt) });
    expect(res.status).toBe(401);
    expect(h.backend.seen).toHaveLength(1);
  });

  // Token forgery (CWE-347): a JWT must be signed by the AS's key, whatever it claims.
  it('a forged RPT (signed with another key under the AS key id) is refused', async () => {
    h = await startJwt();
    const genuine = await h.obtainRpt('GET', '/photo');
    const { kid } = decodeProtectedHeader(genuine);
    const payload = decodeJwt(genuine);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', ...(kid === undefined ? {} : { kid }) }).sign(privateKey);
    expect((await h.fetch('/photo', { headers: bearer(forged) })).status).toBe(401);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('an unknown key id refetches the JWKS (key rotation), at most once per interval, then refuses', async () => {
    const clock = { now: Date.UTC(2030, 0, 1) };
    h = await startJwt({ as: { now: () => clock.now }, proxy: { now: () => clock.now } });
    const payload = decodeJwt(await h.obtainRpt('GET', '/photo'));
    const { privateKey } = await generateKeyPair('ES256');
    const sign = (kid: string): Promise<string> => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
    const boot = h.as.count('jwks');
    expect(boot).toBe(1);
    // Right after the boot fetch: refused without asking the AS (a flood of made-up kids is free).
    expect((await h.fetch('/photo', { headers: bearer(await sign('made-up-1')) })).status).toBe(401);
    expect(h.as.count('jwks')).toBe(boot);
    clock.now += JWKS_REFETCH_INTERVAL_MS;
    expect((await h.fetch('/photo', { headers: bearer(await sign('made-up-2')) })).status).toBe(401);
    expect(h.as.count('jwks')).toBe(boot + 1);
    expect((await h.fetch('/photo', { headers: bearer(await sign('made-up-3')) })).status).toBe(401);
    expect(h.as.count('jwks')).toBe(boot + 1);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('an RPT minted for another resource server (aud) is refused', async () => {
    h = await startJwt();
    const rpt = await h.obtainRpt('GET', '/photo');
    const other = h.as.createClient({ clientId: 'other-rs', clientSecret: 'other-rs-secret-0123' });
    const proxy = await startProxy({
      policy: h.policyFile,
      upstream: h.backend.url,
      listen: '127.0.0.1:0',
      adminListen: '127.0.0.1:0',
      logLevel: 'silent',
      watchPolicy: false,
      authz: 'uma2',
      issuer: h.as.issuer,
      clientId: other.clientId,
      clientSecret: other.clientSecret,
      rptVerify: 'jwt',
      umaState: join(h.dir, 'other-state.json'),
    });
    extra.push(proxy);
    await proxy.registered;
    expect((await fetch(`${proxy.url}/photo`, { headers: bearer(rpt) })).status).toBe(401);
    expect(h.backend.seen).toHaveLength(0);
  });
});
