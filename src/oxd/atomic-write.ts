/**
 * Replaces a file so that readers (and a crash at any moment) see either the old or the new
 * content, never a torn mix: the new text goes to a temp file in the same directory (same file
 * system, so rename is atomic), is fsynced, takes the original's mode, and is renamed over it.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorCode } from '../errors.js';
import { OxdError } from './errors.js';

const NOT_WRITABLE_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EEXIST']);

function notWritable(path: string, cause?: unknown): OxdError {
  const reason = errorCode(cause);
  return new OxdError('config_not_writable', `${path} is not writable${reason === undefined ? '' : ` (${reason})`}`, { cause });
}

/**
 * Throws `config_not_writable` when the file is read-only. The file's write bits are honoured
 * even for root (a config deliberately set read-only stays untouched), and the directory must
 * accept the temp file.
 */
export async function assertWritable(path: string): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const info = await stat(target).catch((err: unknown) => {
    throw notWritable(path, err);
  });
  if ((info.mode & 0o222) === 0) throw notWritable(path);
  await access(dirname(target), constants.W_OK).catch((err: unknown) => {
    throw notWritable(path, err);
  });
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  // Follow a symlinked config to its real file, so the link itself stays in place.
  const target = await realpath(path).catch(() => path);
  const info = await stat(target).catch(() => null);
  if (info !== null && (info.mode & 0o222) === 0) throw notWritable(path);
  const mode = info === null ? 0o600 : info.mode & 0o7777;
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(temp, 'wx', mode);
  } catch (err) {
    if (NOT_WRITABLE_CODES.has(errorCode(err) ?? '')) throw notWritable(path, err);
    throw new OxdError('config_not_writable', `${path}: cannot create a temp file next to it`, { cause: err });
  }
  try {
    await handle.writeFile(text, 'utf8');
    // open()'s mode is filtered by the umask; chmod sets the original mode exactly.
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    await rename(temp, target);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw notWritable(path, err);
  }
  await syncDirectory(dirname(target));
}

/** Makes the rename itself durable; some file systems refuse fsync on a directory, which is harmless. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (handle === null) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
