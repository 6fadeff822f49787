/**
 * Attack class: log injection (CWE-117) and metrics cardinality explosion. The attacker puts
 * quotes, newlines or JSON fragments in the path or method hoping to forge log lines, or sends
 * many distinct paths/methods so that every one becomes a Prometheus label value (Gluu's
 * `endpoint=<raw path>` bomb, peers §5). Log lines are JSON written by pino with the canonical
 * path only (controls were refused before), and metric labels carry outcome ids and policy
 * patterns — never the path or the method.
 */
import { describe, expect, it } from 'vitest';
import { useFileHarness } from '../proxy/harness.js';
import { rawExchange } from '../helpers/raw-socket.js';

const harness = useFileHarness();

describe('log lines', () => {
  it('a path holding quotes and a would-be JSON fragment stays inside one JSON string', async () => {
    const h = harness();
    const target = '/public/%22,%22level%22:60,%22msg%22:%22forged';
    const res = await h.send(target);
    expect(res.status).toBe(200);
    const line = h.logs.requests().find((l) => l.path === target);
    expect(line?.level).toBe(30);
    expect(h.logs.lines.filter((l) => l.msg === 'forged')).toHaveLength(0);
    // Every line written is one valid JSON object (LogCapture parses each one).
    expect(h.logs.text.trim().split('\n')).toHaveLength(h.logs.lines.length);
  });

  it('encoded newlines never reach a log line', async () => {
    const h = harness();
    const res = await h.send('/public/a%0d%0a{"msg":"forged"}');
    expect(res.status).toBe(400);
    expect(h.logs.text).not.toContain('forged"}');
  });
});

describe('metric labels', () => {
  it('thousands of distinct paths and every method add no label values', async () => {
    const h = harness();
    const methods = ['GET', 'PUT', 'PATCH', 'PROPFIND', 'SEARCH', 'MKCOL', 'LOCK', 'PURGE', 'REPORT', 'M-SEARCH'];
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        rawExchange(h.proxy.url, `${methods[i % methods.length] ?? 'GET'} /unmatched-${i}/x${i} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`),
      ),
    );
    const text = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    const series = text.split('\n').filter((l) => l.startsWith('umagate_requests_total{'));
    expect(text).not.toContain('unmatched-');
    expect(text).not.toMatch(/PROPFIND|M-SEARCH/);
    const patterns = new Set(series.map((l) => /pattern="([^"]*)"/.exec(l)?.[1]));
    expect([...patterns].every((p) => p === 'none' || p === '/public/??' || p === '/photo')).toBe(true);
    expect(series.length).toBeLessThan(10);
  });
});
