/**
 * Crash safety of the ini write-back: a child process rewrites the file in a tight loop and is
 * SIGKILLed at random moments. Whatever the moment, the file must be exactly the old or the new
 * version (never torn), and leftover temp files must not stop the next load or write.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OxdConfigFile, parseOxdConfig } from '../../src/oxd/config.js';
import { applyIniUpdates } from '../../src/oxd/config-write.js';
import { compileConfigModules } from '../fixtures/oxd/compiled.js';

// CI kills the writer a few times; `npm run test:durability` raises CRASH_ROUNDS into the hundreds.
const ROUNDS = Number(process.env['CRASH_ROUNDS']) > 0 ? Number(process.env['CRASH_ROUNDS']) : 8;

const BASE = '; crash test\n[oxd]\nhost = localhost\nid = site\n\n[client]\nop_host = https://op.example.org\n';
// Lengths differ a lot, so a torn file could not pass for either version.
const TOKEN_A = 'a'.repeat(6000);
const TOKEN_B = 'b'.repeat(16);
const VERSION_A = applyIniUpdates(BASE, { client: { protection_access_token: TOKEN_A } }, 'f');
const VERSION_B = applyIniUpdates(BASE, { client: { protection_access_token: TOKEN_B } }, 'f');

const WRITER = `
import { OxdConfigFile } from './config.js';
const file = await OxdConfigFile.load(process.argv[2]);
process.stdout.write('ready\\n');
for (let i = 0; ; i += 1) {
  await file.update({ client: { protection_access_token: i % 2 === 0 ? ${JSON.stringify(TOKEN_B)} : ${JSON.stringify(TOKEN_A)} } });
}
`;

let libDir = '';

beforeAll(async () => {
  libDir = await compileConfigModules();
  await writeFile(join(libDir, 'writer.js'), WRITER);
});

async function killWhileWriting(path: string, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [join(libDir, 'writer.js'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  // The delay only picks a random moment to kill at; nothing below waits on time.
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('ini write-back under SIGKILL', () => {
  it('always leaves exactly the old or the new version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'umagate-crash-'));
    const path = join(dir, 'umagate.cfg');
    await writeFile(path, VERSION_A);
    for (let round = 0; round < ROUNDS; round += 1) {
      await killWhileWriting(path, Math.floor(Math.random() * 40));
      const text = await readFile(path, 'utf8');
      expect([VERSION_A, VERSION_B]).toContain(text);
      expect(() => parseOxdConfig(text, path)).not.toThrow();
    }
    // Temp files a kill left behind are dot-files beside the config: they never shadow it.
    const leftovers = (await readdir(dir)).filter((name) => name !== 'umagate.cfg');
    for (const name of leftovers) expect(name).toMatch(/^\.umagate\.cfg\.\d+\.[0-9a-f]+\.tmp$/);
    const file = await OxdConfigFile.load(path);
    await file.update({ oxd: { id: 'after-crash' } });
    expect(file.config.oxdId).toBe('after-crash');
  }, 20_000 + ROUNDS * 500);
});
