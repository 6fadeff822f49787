/**
 * A writable file in a read-only directory cannot be replaced atomically (the temp file has
 * nowhere to go). Root ignores directory permissions, so when the suite runs as root the check
 * runs in a child process as the unprivileged user `nobody`.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileConfigModules } from '../fixtures/oxd/compiled.js';

const NOBODY = 65534;

const PROBE = `
import { OxdConfigFile } from './config.js';
const file = await OxdConfigFile.load(process.argv[2]);
const outcome = async (run) => run().then(() => ({ ok: true }), (err) => ({ code: err.code, message: err.message }));
const check = await outcome(() => file.assertWritable());
const write = await outcome(() => file.update({ oxd: { id: 'new' } }));
const unchanged = await outcome(() => file.update({ oxd: { id: 'old' } }));
process.stdout.write(JSON.stringify({ check, write, unchanged }));
`;

let libDir = '';

beforeAll(async () => {
  libDir = await compileConfigModules();
  await writeFile(join(libDir, 'probe.js'), PROBE, { mode: 0o644 });
});

describe('config in a read-only directory', () => {
  it('is config_not_writable when a value changes, and fine when none does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'umagate-rodir-'));
    const path = join(dir, 'umagate.cfg');
    await writeFile(path, '[oxd]\nid = old\n', { mode: 0o666 });
    await chmod(path, 0o666);
    await chmod(dir, 0o555);
    const asNobody = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
    const { stdout } = await promisify(execFile)(process.execPath, [join(libDir, 'probe.js'), path], asNobody);
    const notWritable = { code: 'config_not_writable', message: expect.stringContaining(`${path} is not writable`) as unknown };
    expect(JSON.parse(stdout)).toEqual({ check: notWritable, write: notWritable, unchanged: { ok: true } });
  });
});
