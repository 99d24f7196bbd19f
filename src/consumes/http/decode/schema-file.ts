/**
 * Finds the schema file named by an operation's `outputSchema` (avro and protobuf formats).
 *
 * A relative path is looked up next to the capability document first (`baseDir`), then in the
 * working directory, which is where the reference engine looks. A missing file is a problem of
 * the capability document, reported as SPEC_INVALID when the decoder is built.
 */

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { NaftikoError } from '../../../errors.js';

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of an existing schema file, or a SPEC_INVALID error. */
export function resolveSchemaFile(format: string, outputSchema: string, baseDir?: string): string {
  const candidates = isAbsolute(outputSchema)
    ? [outputSchema]
    : [baseDir, process.cwd()].flatMap((dir) =>
        dir === undefined ? [] : [resolve(dir, outputSchema)],
      );
  const found = candidates.find(isFile);
  if (found === undefined) {
    throw new NaftikoError(
      'SPEC_INVALID',
      `The ${format} outputSchema file "${outputSchema}" was not found (looked in: ${candidates.join(', ')})`,
    );
  }
  return found;
}

/** The text of a schema file found by resolveSchemaFile. */
export function readSchemaFile(format: string, outputSchema: string, baseDir?: string): string {
  return readFileSync(resolveSchemaFile(format, outputSchema, baseDir), 'utf8');
}

/** SPEC_INVALID for a format that needs an outputSchema and has none. */
export function missingSchema(format: string, fileKind: string): NaftikoError {
  return new NaftikoError(
    'SPEC_INVALID',
    `outputRawFormat "${format}" needs an outputSchema naming the ${fileKind} file to decode with`,
  );
}
