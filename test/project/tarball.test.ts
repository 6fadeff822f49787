/**
 * The package as a user gets it: `npm pack`, then the tarball installed into an empty project in
 * a temporary directory that cannot see this repository. There the library is imported from
 * ESM, a TypeScript file is checked against the shipped declarations (lib check on), and the
 * `umagate` bin runs through npx. Exports added later (UmaClient, UmaError) are picked up as
 * soon as the package has them.
 *
 * The tarball's dependencies come from npm's cache where `npm ci` put them, else from the
 * registry. About 10 s to install and 20 s for the type check on a quiet machine.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

/** Exports that arrive with later features; each is checked once the package has it. */
const LATER_EXPORTS = ['UmaClient', 'UmaError'] as const;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command in `cwd` with npm's per-script variables removed, so that npm in the consumer
 * project does not inherit this repository as its prefix when the suite itself runs under npm.
 */
function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

async function mustRun(command: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

async function sourceModules(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(dir, join(e.parentPath, e.name)).replace(/\.ts$/, ''));
}

let project = '';
let packed: string[] = [];
let exported: string[] = [];

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'umagate-consumer-'));
  // dist/ is already built by the global setup; --ignore-scripts keeps `prepack` from rebuilding
  // it under the other test files that are running the CLI from it.
  const [info] = JSON.parse(await mustRun('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], root)) as [
    { filename: string; files: { path: string }[] },
  ];
  packed = info.files.map((f) => f.path).sort();
  await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`);
  await mustRun(
    'npm',
    [
      'install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock',
      `./${info.filename}`,
      `typescript@${pkg.devDependencies.typescript}`,
      `@types/node@${pkg.devDependencies['@types/node']}`,
    ],
    project,
  );
  await writeFile(
    join(project, 'exports.mjs'),
    "import * as umagate from 'umagate';\nconsole.log(JSON.stringify(Object.keys(umagate).sort()));\n",
  );
  exported = JSON.parse(await mustRun(process.execPath, ['exports.mjs'], project)) as string[];
}, 240_000);

afterAll(async () => {
  if (project !== '') await rm(project, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the compiled library, its declarations, the schema and the project documents, nothing else', async () => {
    const modules = await sourceModules(join(root, 'src'));
    const expected = [
      'CHANGELOG.md', 'LICENSE', 'README.md', 'package.json', 'policies.schema.json',
      ...modules.flatMap((m) => [`dist/${m}.js`, `dist/${m}.d.ts`]),
    ].sort();
    expect(packed).toEqual(expected);
  });

  it('is publishable: not private, with a license, a repository and engines', async () => {
    const manifest = JSON.parse(await readFile(join(project, 'node_modules/umagate/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.repository).toMatchObject({ type: 'git' });
    expect(JSON.stringify(manifest.engines)).toMatch(/^\{"node":">=\d+\.\d+\.\d+"\}$/);
  });
});

describe('installed into an empty project', () => {
  it('imports the library from ESM, and it works', async () => {
    await writeFile(
      join(project, 'use.mjs'),
      [
        "import { OxdClient, OxdError } from 'umagate';",
        "import schema from 'umagate/policies.schema.json' with { type: 'json' };",
        '// A missing ini is a config_invalid OxdError: proof that the client code runs, not just loads.',
        "const error = await OxdClient.fromConfigFile('missing.cfg').then(() => null, (e) => e);",
        'console.log(JSON.stringify({ oxdError: error instanceof OxdError, code: error?.code, schema: schema.$schema }));',
      ].join('\n'),
    );
    const printed = JSON.parse(await mustRun(process.execPath, ['use.mjs'], project)) as unknown;
    expect(printed).toEqual({ oxdError: true, code: 'config_invalid', schema: 'https://json-schema.org/draft/2020-12/schema' });
    expect(exported).toEqual(expect.arrayContaining(['OxdClient', 'OxdError']));
  });

  it.each(LATER_EXPORTS.map((name) => [name] as const))('exports %s as a class once the package has it', async (name) => {
    if (!exported.includes(name)) {
      console.info(`${name} is not exported yet; checked as soon as it is`);
      return;
    }
    await writeFile(join(project, 'later.mjs'), `import { ${name} } from 'umagate';\nconsole.log(typeof ${name});\n`);
    expect((await mustRun(process.execPath, ['later.mjs'], project)).trim()).toBe('function');
  });

  it('type-checks a TypeScript user of the shipped declarations with tsc --noEmit', async () => {
    const later = LATER_EXPORTS.filter((name) => exported.includes(name));
    await writeFile(
      join(project, 'tsconfig.json'),
      `${JSON.stringify({
        compilerOptions: { module: 'nodenext', target: 'es2023', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['consumer.ts'],
      })}\n`,
    );
    await writeFile(
      join(project, 'consumer.ts'),
      [
        `import { OxdClient, OxdError, type CheckAccessResult${later.map((n) => `, ${n}`).join('')} } from 'umagate';`,
        "import schema from 'umagate/policies.schema.json' with { type: 'json' };",
        '',
        'export async function ticketFor(rpt: string): Promise<string | null> {',
        "  const client = await OxdClient.fromConfigFile('umagate.cfg');",
        '  try {',
        "    const r: CheckAccessResult = await client.umaRsCheckAccess(rpt, '/photo', 'GET');",
        "    return r.access === 'granted' ? null : r.ticket;",
        '  } catch (error) {',
        '    if (error instanceof OxdError) return error.code;',
        '    throw error;',
        '  } finally {',
        '    await client.close();',
        '  }',
        '}',
        'export const schemaDialect: string = schema.$schema;',
        // The class as a type: InstanceType would refuse a class built by a static factory (private constructor).
        ...later.map((n) => `export type ${n}Instance = ${n};`),
        '',
      ].join('\n'),
    );
    const result = await run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', '.'], project);
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);

  it('runs `npx --no-install umagate --version`', async () => {
    expect((await mustRun('npx', ['--no-install', 'umagate', '--version'], project)).trim()).toBe(pkg.version);
  });

  it('runs `umagate validate` on a policy, and refuses a broken one', async () => {
    await copyFile(join(root, 'policies.yaml'), join(project, 'policies.yaml'));
    const valid = await run('npx', ['--no-install', 'umagate', 'validate', 'policies.yaml'], project);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toMatch(/policies\.yaml/);

    await writeFile(join(project, 'broken.yaml'), 'resources:\n  - path: photo\n');
    const broken = await run('npx', ['--no-install', 'umagate', 'validate', 'broken.yaml'], project);
    expect(broken.code).toBe(1);
    expect(broken.stderr + broken.stdout).toMatch(/broken\.yaml:2:/);
  });
});
