/**
 * The Dockerfile agrees with the CLI and the README's *The container image*: base image from an ARG, lockfile
 * install first, production dependencies only at run time, non-root, `umagate` entrypoint, the
 * default ports exposed, and a HEALTHCHECK that really probes /healthz on the admin port.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_ADMIN_LISTEN, DEFAULT_LISTEN } from '../../src/proxy/options.js';
import { closeServer, listenOn } from '../helpers/listen.js';
import { envOf, execForm, lastStageStart, parseDockerfile, type Instruction } from './dockerfile.js';
import { portOf, serveInterface, type ServeInterface } from './serve-help.js';

const root = (file: string): string => fileURLToPath(new URL(`../../${file}`, import.meta.url));

let docker: Instruction[] = [];
let runtime: Instruction[] = [];
let serve: ServeInterface;
beforeAll(async () => {
  docker = parseDockerfile(await readFile(root('Dockerfile'), 'utf8'));
  runtime = docker.slice(lastStageStart(docker));
  serve = await serveInterface();
});

const only = (instructions: readonly Instruction[], keyword: string): Instruction => {
  const found = instructions.filter((i) => i.keyword === keyword);
  expect(found, `exactly one ${keyword}`).toHaveLength(1);
  return found[0]!;
};

/** Runs the image's HEALTHCHECK command on this machine; resolves with its exit code. */
function runHealthcheck(env: NodeJS.ProcessEnv): Promise<number> {
  const [executable, ...args] = execForm(only(runtime, 'HEALTHCHECK').args.replace(/^(--\S+\s+)*CMD\s+/, ''));
  expect(executable).toBe('node');
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, timeout: 10_000 }, (error) => {
      resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : -1);
    });
  });
}

describe('Dockerfile', () => {
  it('takes its base image from ARG NODE_IMAGE, declared before the first FROM', () => {
    expect(docker[0]).toEqual({ keyword: 'ARG', args: 'NODE_IMAGE=node:22-bookworm-slim' });
    const stages: string[] = [];
    for (const from of docker.filter((i) => i.keyword === 'FROM')) {
      const [image, as, name] = from.args.split(/\s+/);
      expect(image === '${NODE_IMAGE}' || stages.includes(image ?? ''), `FROM ${from.args}`).toBe(true);
      if (as?.toUpperCase() === 'AS' && name !== undefined) stages.push(name);
    }
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('installs from the lockfile before it copies the sources, so that layer stays cached', () => {
    const at = (predicate: (i: Instruction) => boolean): number => docker.findIndex(predicate);
    const manifests = at((i) => i.keyword === 'COPY' && i.args === 'package.json package-lock.json ./');
    const install = at((i) => i.keyword === 'RUN' && /^npm ci\b/.test(i.args));
    const sources = at((i) => i.keyword === 'COPY' && i.args.startsWith('src '));
    expect(manifests).toBeGreaterThan(-1);
    expect(manifests).toBeLessThan(install);
    expect(install).toBeLessThan(sources);
  });

  it('runs production dependencies only, as a non-root user, with `umagate serve` as entrypoint and command', () => {
    expect(runtime.some((i) => i.keyword === 'RUN' && /npm ci --omit=dev --ignore-scripts/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.keyword === 'COPY' && i.args.includes('node_modules'))).toBe(false);
    expect(only(runtime, 'USER').args).not.toMatch(/^(root|0)(:|$)/);
    expect(execForm(only(runtime, 'ENTRYPOINT').args)).toEqual(['umagate']);
    expect(execForm(only(runtime, 'CMD').args)).toEqual(['serve']);
  });

  it("labels the image with package.json's license and ships the license text beside the code", async () => {
    const { license } = JSON.parse(await readFile(root('package.json'), 'utf8')) as { license: string };
    expect(only(runtime, 'LABEL').args).toContain(`org.opencontainers.image.licenses="${license}"`);
    expect(runtime.some((i) => i.keyword === 'COPY' && /^(\S+\s+)*LICENSE\s/.test(i.args))).toBe(true);
  });

  it('exposes the default traffic and admin ports, and its environment defaults agree with the CLI', () => {
    expect(only(runtime, 'EXPOSE').args.split(/\s+/).map(Number)).toEqual([portOf(DEFAULT_LISTEN), portOf(DEFAULT_ADMIN_LISTEN)]);
    const env = envOf(runtime);
    expect(env.get('UMAGATE_LISTEN')).toBe(DEFAULT_LISTEN);
    expect(env.get('UMAGATE_ADMIN_LISTEN')).toBe(DEFAULT_ADMIN_LISTEN);
    for (const name of env.keys()) {
      if (name.startsWith('UMAGATE_')) expect(serve.envs, `ENV ${name}`).toContain(name);
    }
  });

  it('has a HEALTHCHECK that passes only while /healthz on the admin port answers 200', async () => {
    let healthy = true;
    const paths: string[] = [];
    const admin = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(healthy ? 200 : 503).end();
    });
    const port = await listenOn(admin);
    onTestFinished(() => closeServer(admin));
    const env = { UMAGATE_ADMIN_LISTEN: `0.0.0.0:${port}` };

    expect(await runHealthcheck(env)).toBe(0);
    healthy = false;
    expect(await runHealthcheck(env)).toBe(1);
    expect(paths).toEqual(['/healthz', '/healthz']);
    await closeServer(admin);
    expect(await runHealthcheck(env)).toBe(1);
  });

  it('has a HEALTHCHECK that falls back to the default admin port', () => {
    expect(only(runtime, 'HEALTHCHECK').args).toContain(`'${portOf(DEFAULT_ADMIN_LISTEN)}'`);
  });
});

describe('.dockerignore', () => {
  it('keeps local installs, builds, history and tests out of the build context', async () => {
    const entries = (await readFile(root('.dockerignore'), 'utf8')).split('\n').map((line) => line.trim());
    expect(entries).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', 'test', 'coverage']));
    expect(entries.filter((e) => e.startsWith('!'))).toEqual([]);
  });
});
