/**
 * outputRawFormat `avro`: one binary-encoded Avro datum, read with the writer schema named by
 * `outputSchema` (an `.avsc` JSON file), as the reference engine does. Records become objects,
 * unions their branch's value, enums their symbol, `bytes`/`fixed` base64 strings, `long`s
 * numbers (a long beyond 2^53 cannot be read exactly and is an error). Bytes after the datum are
 * ignored, as a datum reader does. Object container files (`Obj\x01…`) are not supported.
 */

import avro from 'avsc';
import { NaftikoError } from '../../../errors.js';
import { badResponse, problemOf } from './bad-response.js';
import { missingSchema, readSchemaFile } from './schema-file.js';

const CONTAINER_MAGIC = Buffer.from('Obj\x01', 'latin1');

/** A decoded Avro value as plain JSON: Buffers to base64, record instances to plain objects. */
function toJson(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = toJson(child);
    return out;
  }
  return value;
}

function loadType(outputSchema: string, baseDir?: string): avro.Type {
  const text = readSchemaFile('avro', outputSchema, baseDir);
  try {
    return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
  } catch (err) {
    throw new NaftikoError(
      'SPEC_INVALID',
      `The avro outputSchema "${outputSchema}" is not a valid Avro schema: ${problemOf(err)}`,
    );
  }
}

/** Builds the avro decoder for an operation, loading its schema once. */
export function createAvroDecoder(
  outputSchema: string | undefined,
  baseDir?: string,
): (body: Buffer) => unknown {
  if (outputSchema === undefined || outputSchema.trim() === '')
    throw missingSchema('avro', '.avsc');
  const type = loadType(outputSchema, baseDir);
  return (body) => {
    if (body.subarray(0, 4).equals(CONTAINER_MAGIC)) {
      throw new NaftikoError(
        'NOT_IMPLEMENTED',
        'The upstream sent an Avro object container file; only a single binary datum is supported',
      );
    }
    let decoded: { value: unknown; offset: number };
    try {
      decoded = type.decode(body, 0);
    } catch (err) {
      throw badResponse('avro', problemOf(err));
    }
    if (decoded.offset < 0) throw badResponse('avro', 'the body ends before the datum does');
    return toJson(decoded.value);
  };
}
