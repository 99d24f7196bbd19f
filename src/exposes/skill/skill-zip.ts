/**
 * The ZIP archive of a skill folder (`GET /skills/{name}/download`), streamed: yazl reads one
 * file at a time as the client consumes the archive, so neither the files nor the archive are
 * ever held in memory whole. Entries are the folder's listing (skill-folder.ts), so symlinks that
 * leave the folder are not in it; a file that disappears mid-way aborts the response rather than
 * sending a truncated archive that looks complete.
 */
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { FolderEntry } from './skill-folder.js';

export function zipStream(entries: readonly FolderEntry[]): Readable {
  const zip = new ZipFile();
  const output = zip.outputStream as Readable;
  zip.on('error', (err: Error) => output.destroy(err));
  for (const entry of entries) zip.addFile(entry.file, entry.path, { compress: true });
  zip.end();
  return output;
}
