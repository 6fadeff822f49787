/**
 * Every command the README shows is exercised, so the README cannot drift from the program:
 * - ```console blocks are transcripts: each `$ umagate …` is run and must print exactly the
 *   lines the README shows under it;
 * - ```sh blocks are checked against what they call: npm scripts that exist, `umagate`
 *   subcommands and flags that their --help lists, files that exist, the image tag that the
 *   package version gives. Each kind names the test or CI step that runs it for real; a command
 *   of an unknown kind fails this test until it is covered.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = await readFile(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

interface Block {
  readonly lang: string;
  readonly body: string;
}

function codeBlocks(markdown: string): Block[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? '', body: m[2] ?? '' }));
}

interface Transcript {
  readonly command: string;
  readonly output: readonly string[];
}

function transcripts(blocks: readonly Block[]): Transcript[] {
  const found: Transcript[] = [];
  for (const block of blocks.filter((b) => b.lang === 'console')) {
    let current: { command: string; output: string[] } | null = null;
    for (const line of block.body.split('\n')) {
      if (line.startsWith('$ ')) {
        current = { command: line.slice(2), output: [] };
        found.push(current);
      } else if (current !== null && line.trim() !== '') {
        current.output.push(line.trimEnd());
      }
    }
  }
  return found;
}

/** Shell commands of the ```sh blocks: continuations joined, comments dropped, `&&` split. */
function shellCommands(blocks: readonly Block[]): string[] {
  const joined = blocks
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.body.replaceAll(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return joined.flatMap((line) => line.split(/\s*&&\s*/));
}

/** Words of a command line, honouring double quotes (enough for the README's commands). */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

const helpCache = new Map<string, Promise<string>>();
function helpOf(path: readonly string[]): Promise<string> {
  const key = path.join(' ');
  let help = helpCache.get(key);
  if (help === undefined) {
    help = callCli([...path, '--help']).then((r) => {
      if (r.code !== 0) throw new Error(`umagate ${key} --help failed: ${r.stderr}`);
      return r.stdout;
    });
    helpCache.set(key, help);
  }
  return help;
}

/** The umagate subcommand path (e.g. ['oxd', 'uma-rp-get-rpt']) and the flags a command uses. */
async function checkUmagateInvocation(args: readonly string[]): Promise<void> {
  const [sub, maybeCommand] = args;
  expect(sub, 'a umagate subcommand').toBeDefined();
  const topHelp = await helpOf([]);
  expect(topHelp, `umagate has no subcommand "${sub}"`).toMatch(new RegExp(`^\\s+${sub}\\b`, 'm'));
  const path = sub === 'oxd' && maybeCommand !== undefined && maybeCommand !== 'COMMAND' ? [sub, maybeCommand] : [sub!];
  const help = await helpOf(path);
  for (const flag of args.filter((a) => a.startsWith('--'))) {
    expect(help, `"umagate ${path.join(' ')} --help" does not list ${flag}`).toContain(flag.split('=')[0]!);
  }
}

/**
 * The umagate invocations inside a shell line: direct, inside $(…), after `docker exec NAME`, or
 * the arguments after the image in `docker run … umagate:TAG ARGS` (the image's entrypoint).
 */
function umagateInvocations(command: string): string[][] {
  const all = words(command.replaceAll('$(', ' ').replaceAll(')', ' ').replaceAll('|', ' | '));
  const found: string[][] = [];
  all.forEach((word, i) => {
    const isProgram = word === 'umagate' && all[i - 1] !== '--name' && all[i - 1] !== 'exec';
    const isImage = all[0] === 'docker' && all[1] === 'run' && /^umagate:[\w.-]+$/.test(word);
    if (!isProgram && !isImage) return;
    const rest = all.slice(i + 1);
    const end = rest.indexOf('|');
    const args = end === -1 ? rest : rest.slice(0, end);
    if (args.length > 0) found.push(args);
  });
  return found;
}

describe('README', () => {
  const blocks = codeBlocks(readme);
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'umagate-readme-'));
    await copyFile(join(root, 'policies.yaml'), join(dir, 'policies.yaml'));
    // Files the README shows before using them: "Given this `broken.yaml`:" + a yaml block.
    for (const m of readme.matchAll(/Given this `([\w.-]+)`:\n\n```yaml\n([\s\S]*?)^```$/gm)) {
      await writeFile(join(dir, m[1]!), m[2]!);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });

  it.each(transcripts(blocks).map((t) => [t.command, t] as const))('transcript `%s` is what the CLI prints', async (_, t) => {
    const [program, ...args] = words(t.command);
    expect(program).toBe('umagate');
    const result = await callCli(args, { cwd: dir });
    const printed = `${result.stdout}${result.stderr}`.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
    expect(printed).toEqual(t.output);
  });

  const commands = shellCommands(blocks);

  it('shows shell commands at all (the parser found them)', () => {
    expect(commands.length).toBeGreaterThan(10);
  });

  // Where each kind of command runs for real: npm ci/test in .ci/run; npm start's `umagate dev`
  // in test/sandbox/walkthrough.test.ts; npm run test:container (docker build/run/exec, or their
  // buildah equivalents) in .ci/run; the compose file in test/deploy/examples.test.ts.
  it.each(commands.map((c) => [c] as const))('`%s` is a command umagate has', async (command) => {
    const [head, second] = words(command);
    if (head === 'npm') {
      if (second === 'ci') {
        // npm ci installs from the lockfile only: it must be committed beside package.json.
        expect(existsSync(join(root, 'package-lock.json')), 'package-lock.json').toBe(true);
        return;
      }
      const script = second === 'run' ? words(command)[2] : second;
      expect(Object.keys(pkg.scripts), `npm script "${script}"`).toContain(script);
      return;
    }
    if (head === 'docker') {
      const tags = [...command.matchAll(/umagate:([\w.-]+)/g)].map((m) => m[1]);
      for (const tag of tags) expect(tag, 'image tag = package version').toBe(pkg.version);
      for (const file of [...command.matchAll(/-f (\S+)/g)].map((m) => m[1]!)) expect(existsSync(join(root, file)), file).toBe(true);
      for (const args of umagateInvocations(command)) await checkUmagateInvocation(args);
      return;
    }
    if (head === '$EDITOR') {
      expect(existsSync(join(root, second!)), second).toBe(true);
      return;
    }
    const invocations = umagateInvocations(command);
    expect(invocations.length, `a README command of an unknown kind: ${command}`).toBeGreaterThan(0);
    for (const args of invocations) await checkUmagateInvocation(args);
  });
});
