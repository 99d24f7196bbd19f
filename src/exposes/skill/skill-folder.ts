/**
 * A skill's `location` folder, read without ever leaving it. The folder itself is resolved
 * through symlinks once per request (it may be a link); below it, a requested path is refused
 * when any segment is empty, `.`, `..`, absolute or carries a separator or NUL, and the file's
 * real path (symlinks resolved) must still lie under the folder's real path. Listings skip
 * symlinks that leave the folder and symlinked folders (which could loop); links to files that
 * stay inside are listed under their own name.
 */
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { filePath } from '../../engine/bindings.js';

/** The folder a `location` URI names: `file:///./x` and `file://./x` are relative to `baseDir`. */
export function locationFolder(location: string, baseDir: string): string {
  return filePath(location, baseDir);
}

/** The folder's real path when it exists and is a directory. */
export async function openFolder(folder: string): Promise<string | undefined> {
  const root = await fs.realpath(folder).catch(() => undefined);
  if (root === undefined) return undefined;
  const stat = await fs.stat(root).catch(() => undefined);
  return stat?.isDirectory() ? root : undefined;
}

/** Whether `candidate` lies strictly below `root` (both absolute). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** The decoded segments of a requested relative path, or undefined when one is refused. */
export function safeSegments(relative: string): string[] | undefined {
  const segments = relative.split('/');
  for (const segment of segments) {
    if (
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      segment.includes('\\') ||
      segment.includes('\0') ||
      path.isAbsolute(segment)
    ) {
      return undefined;
    }
  }
  return segments;
}

export interface OpenedFile {
  readonly handle: FileHandle;
  readonly size: number;
  /** The name the file was asked for (its extension decides the content type). */
  readonly name: string;
}

/**
 * Opens a regular file below `root` (a real path) for reading, or undefined when the path is
 * refused, leaves the folder, or names nothing readable. The caller closes the handle.
 */
export async function openFileInside(
  root: string,
  relative: string,
): Promise<OpenedFile | undefined> {
  const segments = safeSegments(relative);
  if (segments === undefined) return undefined;
  const target = path.join(root, ...segments);
  if (!isInside(root, target)) return undefined;
  const real = await fs.realpath(target).catch(() => undefined);
  if (real === undefined || !isInside(root, real)) return undefined;
  // O_NOFOLLOW: the real path was just checked; a link swapped in since is not followed.
  const handle = await fs
    .open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
    .catch(() => undefined);
  if (handle === undefined) return undefined;
  const stat = await handle.stat().catch(() => undefined);
  if (stat?.isFile() !== true) {
    await handle.close();
    return undefined;
  }
  return { handle, size: stat.size, name: segments[segments.length - 1] ?? '' };
}

export interface FolderEntry {
  /** `/`-separated path relative to the folder. */
  readonly path: string;
  /** The real path of the file (under the folder). */
  readonly file: string;
  readonly size: number;
}

/** Every regular file below `root` (a real path), recursively, sorted by relative path. */
export async function listFolder(root: string): Promise<FolderEntry[]> {
  const found: FolderEntry[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full, relative);
        continue;
      }
      let file: string | undefined = full;
      if (entry.isSymbolicLink()) {
        file = await fs.realpath(full).catch(() => undefined);
        if (file === undefined || !isInside(root, file)) continue;
      } else if (!entry.isFile()) {
        continue; // sockets, FIFOs, devices
      }
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat?.isFile()) found.push({ path: relative, file, size: stat.size });
    }
  }
  await walk(root, '');
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
