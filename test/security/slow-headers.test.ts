/**
 * Attack class: slowloris (CWE-400). The attacker opens connections and trickles header bytes so
 * that no request head ever completes, holding sockets for as long as the server allows (Node's
 * default: 60 s, checked every 30 s — up to ~90 s per connection). The traffic listener sets its
 * own head deadline (HEADERS_TIMEOUT_MS, 20 s, checked every 2 s) and answers 408 when it passes;
 * here it is shortened so the test waits for the proxy to close the socket, not for a timer.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../proxy/harness.js';
import { statusOf } from '../helpers/raw-socket.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('a request head that never ends', () => {
  it('is cut at the head deadline with 408, although bytes keep arriving', async () => {
    h = await startHarness({ proxy: { headersTimeoutMs: 300 } });
    const url = new URL(h.proxy.url);
    const started = performance.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write('GET /public/x HTTP/1.1\r\nHost: gw\r\n'));
      let data = '';
      let n = 0;
      // The attack itself: one more header line every 50 ms, forever.
      const trickle = setInterval(() => {
        if (socket.writable) socket.write(`X-Slow-${n++}: 1\r\n`);
      }, 50);
      socket.on('data', (c: Buffer) => {
        data += c.toString('latin1');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(trickle);
        resolve(data);
      });
    });
    expect(statusOf(answer)).toBe(408);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(h.backend.seen).toHaveLength(0);
  });
});
