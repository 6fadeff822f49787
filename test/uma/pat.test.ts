import { afterEach, describe, expect, it, vi } from 'vitest';
import { DIALECTS, umaRejection, umaSession } from './harness.js';

describe.each(DIALECTS)('the PAT at the %s dev AS', (dialect) => {
  const session = umaSession();
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is fetched once and shared by concurrent callers', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const pats = await Promise.all(Array.from({ length: 5 }, () => client.getPat()));
    expect(new Set(pats).size).toBe(1);
    expect(await client.getPat()).toBe(pats[0]);
    expect(as.count('token')).toBe(1);
  });

  it('asks for scope uma_protection, except at Keycloak, which grants it as a role', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    await client.getPat();
    const call = as.calls.find((c) => c.endpoint === 'token');
    expect(call?.body).toEqual(
      dialect === 'keycloak' ? { grant_type: 'client_credentials' } : { grant_type: 'client_credentials', scope: 'uma_protection' },
    );
    expect(call?.auth).toBe('basic');
  });

  it('is kept until shortly before expires_in, then refreshed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { as, rs } = await session.start(dialect, { tokenLifetimeSeconds: 300 });
    const client = await session.connect(as, rs);
    const first = await client.getPat();
    vi.setSystemTime(Date.now() + 269_000);
    expect(await client.getPat()).toBe(first);
    vi.setSystemTime(Date.now() + 2_000);
    const second = await client.getPat();
    expect(second).not.toBe(first);
    expect(as.count('token')).toBe(2);
  });

  it('is replaced once when a protection call answers 401, and the call retried', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    const id = await client.createResource({ name: 'a', resource_scopes: ['read'] });
    as.revokeToken(await client.getPat());
    expect(await client.listResources()).toEqual([id]);
    expect(as.count('token')).toBe(2);
    expect(as.count('resource_registration', 'GET')).toBe(2);
    expect(as.calls.filter((c) => c.endpoint === 'resource_registration' && c.method === 'GET').map((c) => c.status)).toEqual([401, 200]);
  });

  it('is not retried forever when the AS refuses even a fresh one', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, rs);
    as.faults.add({ endpoint: 'resource_registration', fault: { kind: 'answer', status: 401, body: { error: 'invalid_token' } } });
    const err = await umaRejection(client.listResources());
    expect(err.code).toBe('pat_refused');
    expect(as.count('resource_registration')).toBe(2);
  });

  it('refuses a wrong client secret with a message naming the fix, never the secret', async () => {
    const { as, rs } = await session.start(dialect);
    const client = await session.connect(as, { ...rs, clientSecret: 'wrong-secret-4711' });
    const err = await umaRejection(client.getPat());
    expect(err.code).toBe('invalid_client');
    expect(err.message).toMatch(/refused the credentials of client "rs-client".*check the client id and secret/);
    expect(err.message).not.toContain('wrong-secret-4711');
  });

  it('names the missing uma_protection of a client that may not hold it', async () => {
    const { as } = await session.start(dialect);
    const weak = as.createClient({ clientId: 'weak', clientSecret: 'weak-secret', umaProtection: false });
    const client = await session.connect(as, weak);
    const err = await umaRejection(client.listResources());
    expect(err.code).toBe('uma_protection_missing');
    expect(err.message).toMatch(/uma_protection/);
  });
});
