/**
 * File watching for `naftiko run --watch` (chokidar): each capability registers the files it
 * depends on (watch-files.ts); a change, creation or removal of one of them calls `onChange` with
 * the capability's key, once per burst of events (debounced: an editor's save is often several
 * writes, or a rename).
 */
import path from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';

export interface CapabilityWatcher {
  /** (Re)declares the files a capability depends on. */
  track(key: string, files: readonly string[]): void;
  close(): Promise<void>;
}

/**
 * Starts watching the files of each capability (`initial`: key → files); resolves once every
 * watch is in place, so that a change made from then on is seen.
 */
export async function watchCapabilities(
  initial: ReadonlyMap<string, readonly string[]>,
  onChange: (key: string) => void,
  debounceMs = 100,
): Promise<CapabilityWatcher> {
  const dependents = new Map<string, Set<string>>();
  const timers = new Map<string, NodeJS.Timeout>();
  for (const [key, files] of initial) {
    for (const file of files.map((f) => path.resolve(f))) {
      const keys = dependents.get(file) ?? new Set<string>();
      dependents.set(file, keys.add(key));
    }
  }
  const watcher: FSWatcher = watch([...dependents.keys()], { ignoreInitial: true });
  await new Promise<void>((resolve) => watcher.once('ready', resolve));
  const changed = (file: string) => {
    for (const key of dependents.get(path.resolve(file)) ?? []) {
      clearTimeout(timers.get(key));
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          onChange(key);
        }, debounceMs),
      );
    }
  };
  watcher.on('add', changed).on('change', changed).on('unlink', changed);
  // A watch error (a folder removed, too many watches) must not end the process.
  watcher.on('error', () => {});
  return {
    track(key, files) {
      // Files another version depended on stay watched (an edit there reloads nothing).
      for (const keys of dependents.values()) keys.delete(key);
      const added: string[] = [];
      for (const file of files.map((f) => path.resolve(f))) {
        const keys = dependents.get(file) ?? new Set<string>();
        if (!dependents.has(file)) {
          dependents.set(file, keys);
          added.push(file);
        }
        keys.add(key);
      }
      if (added.length > 0) watcher.add(added);
    },
    async close() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await watcher.close();
    },
  };
}
