import { describe, expect, it, onTestFinished } from 'vitest';
import { ECHO_BACKEND_NAME, startEchoBackend, type EchoReply } from '../../src/sandbox/echo-backend.js';

describe('the dev echo backend', () => {
  it('answers 200 with the method, the target as received and the headers', async () => {
    const backend = await startEchoBackend({ host: '127.0.0.1', port: 0 });
    onTestFinished(() => backend.close());
    expect(backend.url).toBe(`http://127.0.0.1:${backend.port}`);

    const res = await fetch(`${backend.url}/photo/a%20b?size=small`, { method: 'POST', body: 'ignored', headers: { 'x-demo': 'yes' } });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as EchoReply;
    expect(reply).toMatchObject({ backend: ECHO_BACKEND_NAME, method: 'POST', url: '/photo/a%20b?size=small' });
    expect(reply.headers['x-demo']).toBe('yes');
  });

  it('answers HEAD with headers only', async () => {
    const backend = await startEchoBackend({ host: '127.0.0.1', port: 0 });
    onTestFinished(() => backend.close());
    const res = await fetch(`${backend.url}/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('stops listening on close', async () => {
    const backend = await startEchoBackend({ host: '127.0.0.1', port: 0 });
    await backend.close();
    await expect(fetch(backend.url)).rejects.toThrow();
  });
});
