import { chmod, lstat, mkdtemp, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OxdConfigFile } from '../../src/oxd/config.js';
import { applyIniUpdates } from '../../src/oxd/config-write.js';

const ORIGINAL = [
  '; umagate / oxd-python config',
  '',
  '[oxd]',
  'host = localhost            ; socket host',
  '                            ;   (indented comment)',
  'port = 8099',
  'future_key = kept',
  'id =',
  '',
  '# the client registered at the AS',
  '[client]',
  'op_host = https://op.example.org',
  'client_id: old-client   ; colon separator',
  'scope = openid, uma_protection',
  '',
  '; about the next section',
  '[unknown]',
  'x = y',
  '',
].join('\n');

describe('applyIniUpdates', () => {
  it('changes only the values asked for and keeps every other byte', () => {
    const updated = applyIniUpdates(ORIGINAL, { oxd: { id: 'site-1' }, client: { client_id: 'new-client', op_host: 'https://op.example.org' } }, 'f');
    expect(updated).toBe(
      ORIGINAL.replace('id =\n', 'id = site-1\n').replace('client_id: old-client   ; colon separator', 'client_id: new-client   ; colon separator'),
    );
  });

  it('appends a missing key after the last entry of its section, not after the next section’s comments', () => {
    const updated = applyIniUpdates(ORIGINAL, { client: { protection_access_token: 'pat' } }, 'f');
    expect(updated).toBe(ORIGINAL.replace('scope = openid, uma_protection\n', 'scope = openid, uma_protection\nprotection_access_token = pat\n'));
  });

  it('appends a missing section at the end, after a blank line', () => {
    const text = '[client]\nop_host = h\n';
    expect(applyIniUpdates(text, { oxd: { id: 'site' } }, 'f')).toBe('[client]\nop_host = h\n\n[oxd]\nid = site\n');
  });

  it.each([
    { why: 'empty file', text: '', updates: { oxd: { id: 's' } }, expected: '[oxd]\nid = s\n' },
    { why: 'clearing a value', text: '[oxd]\nid = s\n', updates: { oxd: { id: '' } }, expected: '[oxd]\nid =\n' },
    { why: 'clearing before a comment', text: '[oxd]\nid = s ; c\n', updates: { oxd: { id: '' } }, expected: '[oxd]\nid =  ; c\n' },
    { why: 'filling an empty value', text: '[oxd]\nid=\n', updates: { oxd: { id: 's' } }, expected: '[oxd]\nid= s\n' },
    { why: 'an empty value before a comment', text: '[oxd]\nid = ;c\n', updates: { oxd: { id: 's' } }, expected: '[oxd]\nid = s ;c\n' },
    { why: 'an upper-case key', text: '[oxd]\nID = a\n', updates: { oxd: { id: 'b' } }, expected: '[oxd]\nID = b\n' },
    { why: 'CRLF line ends', text: '[oxd]\r\nid = a\r\n', updates: { oxd: { id: 'b', port: '1' } }, expected: '[oxd]\r\nid = b\r\nport = 1\r\n' },
    { why: 'no final newline', text: '[oxd]\nid = a', updates: { oxd: { id: 'b' } }, expected: '[oxd]\nid = b' },
    { why: 'a byte-order mark', text: '\uFEFF[oxd]\nid = a\n', updates: { oxd: { id: 'b' } }, expected: '\uFEFF[oxd]\nid = b\n' },
    { why: 'an unchanged value', text: '[oxd]\nid   =   a   ; same\n', updates: { oxd: { id: 'a' } }, expected: '[oxd]\nid   =   a   ; same\n' },
  ])('handles $why', ({ text, updates, expected }) => {
    expect(applyIniUpdates(text, updates, 'f')).toBe(expected);
  });

  it.each(['two\nlines', 'a ; b', ' padded'])('refuses a value that would not read back: %j', (value) => {
    expect(() => applyIniUpdates('[oxd]\n', { oxd: { id: value } }, 'f')).toThrow(expect.objectContaining({ code: 'config_not_writable' }));
  });
});

async function tempIni(text: string): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'umagate-oxd-'));
  const path = join(dir, 'umagate.cfg');
  await writeFile(path, text);
  return { dir, path };
}

describe('OxdConfigFile.update', () => {
  it('keeps the file mode and leaves no temp file', async () => {
    const { dir, path } = await tempIni(ORIGINAL);
    await chmod(path, 0o640);
    const file = await OxdConfigFile.load(path);
    await file.update({ oxd: { id: 'site' } });
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['umagate.cfg']);
    expect(file.config.oxdId).toBe('site');
  });

  it('writes through a symlink, which stays a symlink', async () => {
    const { dir, path } = await tempIni('[oxd]\nid = a\n');
    const link = join(dir, 'link.cfg');
    await symlink(path, link);
    const file = await OxdConfigFile.load(link);
    await file.update({ oxd: { id: 'b' } });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('[oxd]\nid = b\n');
  });

  it('keeps edits made to the file after it was loaded', async () => {
    const { path } = await tempIni('[oxd]\nid = a\n');
    const file = await OxdConfigFile.load(path);
    await writeFile(path, '; edited by hand\n[oxd]\nid = a\nport = 9\n');
    await file.update({ oxd: { id: 'b' } });
    expect(await readFile(path, 'utf8')).toBe('; edited by hand\n[oxd]\nid = b\nport = 9\n');
  });

  it('serializes concurrent write-backs so none is lost', async () => {
    const { path } = await tempIni('[client]\n');
    const a = await OxdConfigFile.load(path);
    const b = await OxdConfigFile.load(path);
    const keys = Array.from({ length: 20 }, (_, i) => `key_${i}`);
    await Promise.all(keys.map((key, i) => (i % 2 === 0 ? a : b).update({ client: { [key]: `v${i}` } })));
    const text = await readFile(path, 'utf8');
    for (const [i, key] of keys.entries()) expect(text).toContain(`${key} = v${i}\n`);
  });
});
