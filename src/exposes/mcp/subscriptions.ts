/**
 * Watches the files of static MCP resources for subscribers (`notifications/resources/updated`).
 *
 * - Only static resources are subscribable: a declared file, or a regular file inside a declared
 *   folder (the same path checks as reads). Dynamic resources have no file to watch.
 * - Editors save by writing a new file and renaming it over the old one, which ends a watch on
 *   the file itself; so the watch is on the file's folder (`fs.watch`, no polling), filtered by
 *   the file's name. One watcher per folder, opened with its first subscribed file and closed
 *   with its last; a URI's subscribers share one entry (ref-counted).
 * - Changes are debounced per URI (100 ms): a burst of writes gives one call per subscriber.
 * - Nothing throws: a watcher that cannot open or that fails ends (its subscribers get no more
 *   calls) and is reported through `onError`; so is a subscriber's callback that throws.
 * - `close()` closes every watcher and pending timer; later `watch()` calls do nothing.
 */
import { realpathSync, watch as watchPath } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';
import type { CompiledResources } from './resources.js';

export interface ResourceWatch {
  /** A static resource: a declared file, or a file inside a declared folder. */
  subscribable(uri: string): boolean;
  /** Calls `onUpdated(uri)` after the resource's file changes; returns the unwatch function. */
  watch(uri: string, onUpdated: (uri: string) => void): () => void;
  /** Stops every watcher. */
  close(): void;
}

export interface ResourceWatchOptions {
  /** Quiet time after the last change before subscribers are called (default 100 ms). */
  readonly debounceMs?: number;
  /** A watcher that could not open or failed, or a subscriber's callback that threw. */
  readonly onError?: (error: Error, uri?: string) => void;
}

export const DEFAULT_DEBOUNCE_MS = 100;

interface Subscriber {
  readonly onUpdated: (uri: string) => void;
}

interface Subscription {
  readonly uri: string;
  readonly dir: string;
  readonly name: string;
  readonly subscribers: Set<Subscriber>;
  timer?: NodeJS.Timeout;
}

interface FolderWatch {
  readonly watcher: FSWatcher;
  /** File name → the URIs subscribed to it. */
  readonly names: Map<string, Set<string>>;
}

export function createResourceWatch(
  resources: CompiledResources,
  options: ResourceWatchOptions = {},
): ResourceWatch {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const subscriptions = new Map<string, Subscription>();
  const folders = new Map<string, FolderWatch>();
  let closed = false;

  function report(error: unknown, uri?: string): void {
    if (options.onError === undefined) return;
    try {
      options.onError(error instanceof Error ? error : new Error(String(error)), uri);
    } catch {
      // A failing reporter must not break the watch either.
    }
  }

  function notify(subscription: Subscription): void {
    subscription.timer = undefined;
    if (subscriptions.get(subscription.uri) !== subscription) return;
    for (const subscriber of [...subscription.subscribers]) {
      try {
        subscriber.onUpdated(subscription.uri);
      } catch (err) {
        report(err, subscription.uri);
      }
    }
  }

  function changed(dir: string, filename: string | null): void {
    const folder = folders.get(dir);
    if (folder === undefined) return;
    // Without a name (some platforms), every file of the folder may have changed.
    const uris =
      filename === null
        ? [...folder.names.values()].flatMap((set) => [...set])
        : [...(folder.names.get(filename) ?? [])];
    for (const uri of uris) {
      const subscription = subscriptions.get(uri);
      if (subscription === undefined) continue;
      if (subscription.timer !== undefined) clearTimeout(subscription.timer);
      subscription.timer = setTimeout(() => notify(subscription), debounceMs);
    }
  }

  /** Ends a folder's watcher after an error: its subscriptions are dropped (no more calls). */
  function fail(dir: string, folder: FolderWatch, error: unknown): void {
    if (folders.get(dir) !== folder) return;
    folders.delete(dir);
    try {
      folder.watcher.close();
    } catch {
      // Already closed.
    }
    const uris = [...folder.names.values()].flatMap((set) => [...set]);
    for (const uri of uris) drop(subscriptions.get(uri));
    report(error, uris[0]);
  }

  function open(dir: string): FolderWatch | undefined {
    let watcher: FSWatcher;
    try {
      watcher = watchPath(dir, (_event, filename) => changed(dir, filename));
    } catch (err) {
      report(err);
      return undefined;
    }
    const folder: FolderWatch = { watcher, names: new Map() };
    watcher.on('error', (err) => fail(dir, folder, err));
    folders.set(dir, folder);
    return folder;
  }

  function drop(subscription: Subscription | undefined): void {
    if (subscription === undefined || subscriptions.get(subscription.uri) !== subscription) return;
    subscriptions.delete(subscription.uri);
    if (subscription.timer !== undefined) clearTimeout(subscription.timer);
    subscription.timer = undefined;
    const folder = folders.get(subscription.dir);
    const uris = folder?.names.get(subscription.name);
    if (folder === undefined || uris === undefined) return;
    uris.delete(subscription.uri);
    if (uris.size === 0) folder.names.delete(subscription.name);
    if (folder.names.size === 0) {
      folders.delete(subscription.dir);
      folder.watcher.close();
    }
  }

  function subscribe(uri: string): Subscription | undefined {
    const existing = subscriptions.get(uri);
    if (existing !== undefined) return existing;
    const file = resources.staticFileSync(uri);
    if (file === undefined) return undefined;
    let real = file;
    try {
      real = realpathSync(file);
    } catch {
      // Watch the path as resolved.
    }
    const dir = path.dirname(real);
    const name = path.basename(real);
    const folder = folders.get(dir) ?? open(dir);
    if (folder === undefined) return undefined;
    const subscription: Subscription = { uri, dir, name, subscribers: new Set() };
    subscriptions.set(uri, subscription);
    const uris = folder.names.get(name) ?? new Set<string>();
    uris.add(uri);
    folder.names.set(name, uris);
    return subscription;
  }

  const nothing = (): void => {};

  return {
    subscribable: (uri) => resources.staticFileSync(uri) !== undefined,

    watch(uri, onUpdated) {
      if (closed) return nothing;
      const subscription = subscribe(uri);
      if (subscription === undefined) return nothing;
      const subscriber: Subscriber = { onUpdated };
      subscription.subscribers.add(subscriber);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        subscription.subscribers.delete(subscriber);
        if (subscription.subscribers.size === 0) drop(subscription);
      };
    },

    close() {
      closed = true;
      for (const subscription of subscriptions.values()) {
        if (subscription.timer !== undefined) clearTimeout(subscription.timer);
        subscription.timer = undefined;
      }
      subscriptions.clear();
      for (const folder of folders.values()) {
        try {
          folder.watcher.close();
        } catch {
          // Already closed.
        }
      }
      folders.clear();
    },
  };
}

/** Most distinct resources one `subscriptions/listen` stream watches. */
const MAX_LISTEN_URIS = 1_000;

/** The distinct, subscribable URIs of a listen filter (at most MAX_LISTEN_URIS), in order. */
export function honouredUris(asked: unknown, watch: ResourceWatch | undefined): string[] {
  if (!Array.isArray(asked) || watch === undefined) return [];
  const honoured = new Set<string>();
  const seen = new Set<unknown>();
  for (const uri of asked) {
    if (honoured.size >= MAX_LISTEN_URIS) break;
    if (seen.has(uri)) continue;
    seen.add(uri);
    if (typeof uri === 'string' && watch.subscribable(uri)) honoured.add(uri);
  }
  return [...honoured];
}
