/**
 * Access to the real-world capability corpus, read in place from `../shared/corpus` next to the
 * repository (it exists for developers and CI, never for users, and is never copied into the
 * repo). Tests that need it use `describe.skipIf(!corpusAvailable)`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in test/helpers/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Always relative to the repository root: CI clones to another place than developers do. */
export const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/corpus');

export const CORPUS_INDEX = path.join(CORPUS_DIR, 'INDEX.tsv');

export const corpusAvailable: boolean = existsSync(CORPUS_INDEX);

/** One row of INDEX.tsv. */
export interface CorpusRow {
  /** Relative to CORPUS_DIR, e.g. `files/api-evangelist__gong/xxx.yaml`. */
  readonly file: string;
  /** Absolute path of the file. */
  readonly absolutePath: string;
  readonly sourceRepo: string;
  readonly commit: string;
  readonly sourcePath: string;
  /** The declared `naftiko` value: a version string, `(object)`, or '' when it cannot be read. */
  readonly naftikoVersion: string;
  readonly date: string;
  readonly sha256: string;
  readonly yamlParses: 'yes' | 'no';
  /** Verdict of the official alpha2 JSON Schema; `n/a` when the YAML does not parse. */
  readonly officialAlpha2SchemaValid: 'yes' | 'no' | 'n/a';
}

const COLUMNS = [
  'file',
  'source_repo',
  'commit',
  'source_path',
  'naftiko_version',
  'date',
  'sha256',
  'yaml_parses',
  'official_alpha2_schema_valid',
] as const;

type Column = (typeof COLUMNS)[number];

function oneOf<T extends string>(value: string, allowed: readonly T[], where: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${where}: expected one of ${allowed.join(', ')}, got '${value}'`);
}

/** Parses INDEX.tsv (header row, tab-separated, columns found by name). */
export function readCorpusIndex(): CorpusRow[] {
  const lines = readFileSync(CORPUS_INDEX, 'utf8').split(/\r?\n/);
  const header = (lines.shift() ?? '').split('\t');
  const position = new Map<Column, number>();
  for (const column of COLUMNS) {
    const index = header.indexOf(column);
    if (index < 0) throw new Error(`${CORPUS_INDEX}: no '${column}' column`);
    position.set(column, index);
  }

  const rows: CorpusRow[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const cells = line.split('\t');
    const cell = (column: Column): string => cells[position.get(column)!] ?? '';
    const where = `${CORPUS_INDEX}:${i + 2}`;
    rows.push({
      file: cell('file'),
      absolutePath: path.join(CORPUS_DIR, cell('file')),
      sourceRepo: cell('source_repo'),
      commit: cell('commit'),
      sourcePath: cell('source_path'),
      naftikoVersion: cell('naftiko_version'),
      date: cell('date'),
      sha256: cell('sha256'),
      yamlParses: oneOf(cell('yaml_parses'), ['yes', 'no'], where),
      officialAlpha2SchemaValid: oneOf(
        cell('official_alpha2_schema_valid'),
        ['yes', 'no', 'n/a'],
        where,
      ),
    });
  }
  return rows;
}
