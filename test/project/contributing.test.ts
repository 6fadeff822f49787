/**
 * CONTRIBUTING.md's commands exist: every `npm run NAME` is a script of package.json, and every
 * other `npm COMMAND` is one of npm's own that the page means.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const contributing = await readFile(join(root, 'CONTRIBUTING.md'), 'utf8');
const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** npm's own commands that the page uses: installing, the lifecycle shorthands, releasing. */
const NPM_COMMANDS = ['ci', 'install', 'publish', 'version'];
const LIFECYCLE = ['start', 'test'];

const invocations = [...contributing.matchAll(/\bnpm (run )?([\w:-]+)/g)].map((m) => ({ run: m[1] !== undefined, name: m[2]! }));

describe('CONTRIBUTING.md', () => {
  it('shows npm commands at all (the parser found them)', () => {
    expect(invocations.length).toBeGreaterThan(5);
  });

  it.each(invocations.map((i) => [`npm ${i.run ? 'run ' : ''}${i.name}`, i] as const))('`%s` exists', (_, i) => {
    if (i.run || LIFECYCLE.includes(i.name)) expect(Object.keys(scripts)).toContain(i.name);
    else expect(NPM_COMMANDS).toContain(i.name);
  });
});
