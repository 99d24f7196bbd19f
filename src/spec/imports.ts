/**
 * Resolution of imported consumes blocks (`{location, import, as}`).
 *
 * `location` is a path relative to the importing file's folder (absolute paths and `file:` URLs
 * are accepted too). The target must be a shared consumes file (a root `consumes` list); the
 * entry whose `namespace` equals `import` is taken, renamed to `as` when given. Imports inside
 * the shared file are not followed (a shared file lists its consumes inline).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiagnosticSink, Path } from './diagnostic-sink.js';
import type { Diagnostic } from './diagnostics.js';
import type { SourceDocument } from './source-document.js';
import type { ConsumesHttp, ImportedConsumesHttp } from './types.js';
import { isObj } from './walk.js';

/** A consumes block ready to use, wherever it was written. */
export interface ResolvedConsumes {
  /** The namespace it is known by in the importing capability (`as`, else `import`). */
  readonly namespace: string;
  readonly spec: ConsumesHttp;
  /** Where it was written (the shared file for imports). */
  readonly source: SourceDocument;
  readonly path: Path;
  /** Where it was imported, when it was. */
  readonly importedAt?: Path;
}

/** A shared consumes file loaded and validated on its own. */
export interface SharedFile {
  readonly source: SourceDocument;
  readonly diagnostics: readonly Diagnostic[];
}

/** Loads a shared file, or says why it cannot be read (an errno code such as ENOENT). */
export type SharedFileLoader = (
  absolutePath: string,
) => Promise<SharedFile | { readError: string }>;

export async function resolveImport(
  entry: ImportedConsumesHttp,
  at: Path,
  importer: SourceDocument,
  load: SharedFileLoader,
  sink: DiagnosticSink,
): Promise<ResolvedConsumes | undefined> {
  const target = importTarget(entry.location, importer.file);
  if (target === undefined) {
    sink.add(
      'error',
      'import-unresolved',
      `import location "${entry.location}" is not a file path (only local files can be imported)`,
      [...at, 'location'],
    );
    return undefined;
  }
  const shared = await load(target);
  if ('readError' in shared) {
    const where = path.relative(process.cwd(), target) || target;
    const why =
      shared.readError === 'ENOENT' ? 'not found' : `cannot be read (${shared.readError})`;
    sink.add(
      'error',
      'import-unresolved',
      `imported file ${why}: "${entry.location}" (resolved to ${where})`,
      [...at, 'location'],
    );
    return undefined;
  }
  const errors = shared.diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (first !== undefined) {
    sink.add(
      'error',
      'import-invalid',
      `imported file "${entry.location}" has ${errors.length} error${errors.length === 1 ? '' : 's'}; first: ${first.file}:${first.line}:${first.column} ${first.message}`,
      [...at, 'location'],
    );
    return undefined;
  }
  const root = shared.source.value;
  const list = isObj(root) ? root.consumes : undefined;
  if (!Array.isArray(list)) {
    sink.add(
      'error',
      'import-unresolved',
      `"${entry.location}" is not a shared consumes file (it has no root \`consumes\` list)`,
      [...at, 'location'],
    );
    return undefined;
  }
  const index = list.findIndex(
    (c: unknown) => isObj(c) && !('location' in c) && c.namespace === entry.import,
  );
  if (index === -1) {
    sink.add(
      'error',
      'import-unresolved',
      `"${entry.location}" has no consumes namespace "${entry.import}"`,
      [...at, 'import'],
    );
    return undefined;
  }
  return {
    namespace: entry.as ?? entry.import,
    spec: list[index] as ConsumesHttp,
    source: shared.source,
    path: ['consumes', index],
    importedAt: at,
  };
}

/** Absolute file path for an import location, or undefined for a non-file URL. */
function importTarget(location: string, importerFile: string): string | undefined {
  if (location.startsWith('file:')) {
    try {
      return fileURLToPath(location);
    } catch {
      return undefined;
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location)) return undefined;
  return path.resolve(path.dirname(path.resolve(importerFile)), location);
}
