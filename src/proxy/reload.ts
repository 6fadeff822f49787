/**
 * Live policy edits (ARCHITECTURE.md, *Reload*). The file's directory is watched, not the file: editors save
 * by writing a temp file and renaming it over the original, which ends a watch on the old inode,
 * and Kubernetes updates a mounted ConfigMap by swapping a `..data` symlink, so no event ever
 * names the file itself. Every event in the directory therefore schedules a reload; they are
 * debounced, reloads run one at a time, and identical text (by hash) is a no-op.
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Editors emit several events per save; wait for them to settle. */
const RELOAD_DEBOUNCE_MS = 200;

export type ReloadTrigger = 'watch' | 'signal' | 'api';

export type ReloadResult =
  | { readonly result: 'applied'; readonly generation: number; readonly registration: 'registered' | 'unchanged' }
  | { readonly result: 'unchanged' }
  | { readonly result: 'rejected'; readonly problems: readonly string[] }
  | { readonly result: 'registration_failed'; readonly message: string };

/**
 * Runs tasks one at a time, in order. Reloads, boot registration and drift repair all go
 * through one queue, so two registrations with oxd never interleave.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/** Calls `onChange` (debounced) whenever the file may have changed, including rename-replace. */
export function watchFile(file: string, onChange: () => void, onError: (err: Error) => void): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(resolve(file)), { persistent: false }, () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, RELOAD_DEBOUNCE_MS);
  });
  watcher.on('error', onError);
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
