/** Shared helpers for the decode tests: run decodeBody on text and capture its NaftikoError. */

import { expect } from 'vitest';
import {
  decodeBody,
  loadDecoders,
  type DecodeOptions,
} from '../../../../src/consumes/http/decode/index.js';
import { NaftikoError } from '../../../../src/errors.js';
import type { OutputRawFormat } from '../../../../src/spec/types.js';

// Parsers load lazily in production; tests decode synchronously, so load them all up front.
await loadDecoders(['xml', 'yaml', 'csv', 'tsv', 'psv', 'html', 'markdown', 'avro', 'protobuf']);

export function decodeText(
  format: OutputRawFormat | undefined,
  text: string,
  contentType?: string,
  options?: DecodeOptions,
): unknown {
  return decodeBody(format, Buffer.from(text, 'utf8'), contentType, options);
}

/** The NaftikoError thrown by `run`, failing the test when it throws nothing or something else. */
export function errorOf(run: () => unknown): NaftikoError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(NaftikoError);
    return err as NaftikoError;
  }
  throw new Error('expected a NaftikoError, nothing was thrown');
}
