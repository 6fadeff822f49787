/**
 * Bench child: the anchor every umagate row is divided by — a bare http-proxy pass-through in the
 * same Node, with a keep-alive agent and nothing else (no matching, no headers, no log).
 *
 * argv: <upstream URL>
 */
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import httpProxy from 'http-proxy';
import { serveChild } from './sut-child.js';

serveChild(async () => {
  const [upstream] = process.argv.slice(2);
  if (upstream === undefined) throw new Error('usage: sut-bare-proxy <upstream>');
  const agent = new Agent({ keepAlive: true });
  const proxy = httpProxy.createProxyServer({ target: upstream, agent });
  // An 'error' listener instead of a per-request callback: http-proxy's cheapest call form.
  proxy.on('error', (_err, _req, res) => {
    if ('writeHead' in res && !res.headersSent) res.writeHead(502);
    res.end();
  });
  const server = createServer((req, res) => {
    proxy.web(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    info: { url: `http://127.0.0.1:${port}` },
    async close() {
      server.closeAllConnections();
      server.close();
      agent.destroy();
      await once(server, 'close');
    },
  };
});
