import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliInvocation } from '../../src/sandbox/cli-invocation.js';

describe('cliInvocation', () => {
  let root = '';
  let script = '';
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'umagate-cli-'));
    script = join(root, 'my project', 'dist', 'cli', 'main.js');
    await mkdir(join(root, 'my project', 'dist', 'cli'), { recursive: true });
    await writeFile(script, '#!/usr/bin/env node\n');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('says `umagate` when that name on PATH is this script (an installed bin)', async () => {
    await mkdir(join(root, 'bin'));
    await symlink(script, join(root, 'bin', 'umagate'));
    expect(cliInvocation({ script, cwd: root, path: `/nonexistent:${join(root, 'bin')}` })).toBe('umagate');
  });

  it('runs the script relative to the working directory inside the project', () => {
    expect(cliInvocation({ script, cwd: join(root, 'my project'), path: '' })).toBe('node dist/cli/main.js');
  });

  it('gives the full path, quoted, from outside the project', async () => {
    const elsewhere = join(root, 'elsewhere');
    await mkdir(elsewhere);
    expect(cliInvocation({ script, cwd: elsewhere, path: '' })).toBe(`node '${script}'`);
  });

  it('ignores an unrelated `umagate` on PATH', async () => {
    await mkdir(join(root, 'bin'));
    await writeFile(join(root, 'bin', 'umagate'), '#!/bin/sh\n');
    expect(cliInvocation({ script, cwd: join(root, 'my project'), path: join(root, 'bin') })).toBe('node dist/cli/main.js');
  });
});
