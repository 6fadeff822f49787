/**
 * nginx `proxy_pass` as an anchor: the Debian package, started from a generated config in a temp
 * directory (foreground, its own pid and temp paths), upstream keep-alive on, one worker or one
 * per core. Its access log goes to /dev/null rather than off, as umagate's decision log does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './spawn-sut.js';

export interface RunningNginx {
  readonly url: string;
  readonly pid: number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function config(dir: string, port: number, upstream: URL, workers: number | 'auto'): string {
  return `
daemon off;
master_process on;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 1024; }
http {
  access_log /dev/null;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend {
    server ${upstream.host};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

async function waitListening(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('nginx did not start listening within 5 s');
}

export async function startNginx(binary: string, upstream: string, workers: number | 'auto'): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'umagate-nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, config(dir, port, new URL(upstream), workers));
  const child = spawn(binary, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    // QUIT: graceful; the master stops its workers before it exits.
    await stopChild(child, 'SIGQUIT');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitListening(url, child);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, pid: child.pid ?? -1, close };
}
