/**
 * The GitHub Actions workflows do what CONTRIBUTING.md and the README say: CI runs `.ci/run`
 * on the oldest Node.js that `engines` accepts and on the newest 20 and 22, a release tag
 * builds the image from the Dockerfile, and every action is pinned to a commit.
 */
import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, '.github/workflows');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly strategy?: { readonly matrix?: Record<string, unknown> };
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: unknown;
  readonly jobs: Record<string, Job>;
}

const sources = new Map<string, string>();
for (const name of (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n))) sources.set(name, await readFile(join(dir, name), 'utf8'));

function workflow(name: string): Workflow {
  const text = sources.get(name);
  if (text === undefined) throw new Error(`.github/workflows/${name} does not exist`);
  const doc = parseDocument(text, { uniqueKeys: true });
  expect(doc.errors.map((e) => e.message), `${name} is valid YAML`).toEqual([]);
  return doc.toJS() as Workflow;
}

const steps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps);
const action = (step: Step): string => step.uses?.split('@')[0] ?? '';

describe('ci.yml', () => {
  const ci = workflow('ci.yml');
  const job = Object.values(ci.jobs).find((j) => j.steps.some((s) => s.run?.trim() === '.ci/run'));

  it('runs on every push to main and every pull request', () => {
    expect(ci.on).toEqual(expect.objectContaining({ push: { branches: ['main'] }, pull_request: null }));
  });

  it('has a job that runs .ci/run, executable as committed', () => {
    expect(job, 'a step `run: .ci/run`').toBeDefined();
    const mode = execFileSync('git', ['ls-files', '-s', '.ci/run'], { cwd: root, encoding: 'utf8' }).split(' ')[0];
    expect(mode).toBe('100755');
  });

  it('runs it on Node.js 20 and 22, and on the oldest version that engines accepts', () => {
    const versions = (job?.strategy?.matrix?.node ?? []) as unknown[];
    expect(versions.every((v) => typeof v === 'string'), 'versions are quoted strings (YAML reads 20.10 as 20.1)').toBe(true);
    const majors = versions.map((v) => String(v).split('.')[0]);
    expect(majors).toEqual(expect.arrayContaining(['20', '22']));
    const floor = /^>=(\d+\.\d+\.\d+)$/.exec(pkg.engines.node)?.[1];
    expect(versions).toContain(floor);
    const setup = job?.steps.find((s) => action(s) === 'actions/setup-node');
    expect(setup?.with?.['node-version']).toBe('${{ matrix.node }}');
    const order = job?.steps.map((s) => (action(s) === 'actions/setup-node' ? 'setup' : s.run?.trim() === '.ci/run' ? 'run' : 'other'));
    expect(order?.indexOf('setup')).toBeLessThan(order?.indexOf('run') ?? -1);
  });
});

describe('container.yml', () => {
  const container = workflow('container.yml');

  it('runs for version tags only', () => {
    expect(Object.keys(container.on)).toEqual(['push']);
    expect(container.on.push).toEqual({ tags: ['v*.*.*'] });
  });

  it('builds the repository Dockerfile and pushes it', () => {
    const build = steps(container).find((s) => action(s) === 'docker/build-push-action');
    expect(build?.with).toEqual(expect.objectContaining({ context: '.', file: 'Dockerfile', push: true }));
  });

  it('refuses a tag that is not package.json version', () => {
    expect(steps(container).some((s) => s.run?.includes('require("./package.json").version') && s.run.includes('GITHUB_REF_NAME'))).toBe(true);
  });
});

describe('every workflow', () => {
  it.each([...sources.keys()].map((n) => [n] as const))('%s reads the repository only, unless a job asks for more', (name) => {
    expect(workflow(name).permissions).toEqual({ contents: 'read' });
  });

  it.each([...sources.keys()].map((n) => [n] as const))('%s pins every action to a commit, with its version beside it', (name) => {
    const uses = [...sources.get(name)!.matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)].map((m) => m[1]!.trim());
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });
});
