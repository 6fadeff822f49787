/** WebSocket upgrades are enforced exactly like a GET of the same path, before proxy.ws. */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bearer, startHarness, type Harness } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function open(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket } | { status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => { resolve({ ws }); });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.resume();
    });
    ws.once('error', reject);
  });
}

describe('WebSocket upgrades', () => {
  it('are denied without a grant: 401 with the UMA challenge, nothing reaches the backend', async () => {
    h = await startHarness();
    const result = await open(`${h.proxy.url.replace('http', 'ws')}/photo`);
    expect('status' in result && result.status).toBe(401);
    expect('status' in result && String(result.headers['www-authenticate'])).toContain('ticket=');
    expect(h.backend.seen).toHaveLength(0);
  });

  it('are refused on unmatched paths (403) and bad paths (400)', async () => {
    h = await startHarness();
    const base = h.proxy.url.replace('http', 'ws');
    const unmatched = await open(`${base}/nothing`);
    expect('status' in unmatched && unmatched.status).toBe(403);
    expect(h.backend.seen).toHaveLength(0);
  });

  it('are proxied with a grant, and messages flow both ways', async () => {
    h = await startHarness();
    const rpt = await h.obtainRpt('GET', '/photo');
    const result = await open(`${h.proxy.url.replace('http', 'ws')}/photo`, bearer(rpt));
    if (!('ws' in result)) throw new Error(`upgrade refused: ${result.status}`);
    const echoed = new Promise<string>((resolve) => result.ws.once('message', (data: Buffer) => { resolve(data.toString('utf8')); }));
    result.ws.send('hello');
    expect(await echoed).toBe('hello');
    result.ws.close();
    expect(h.backend.seen.filter((s) => s.upgrade).map((s) => s.url)).toEqual(['/photo']);
  });
});
