/**
 * Decoding of an upstream body per the operation's `outputRawFormat` (json by default), with the
 * decoder built once per operation by ./decode (which owns the formats; an empty body is null).
 *
 * - For a status >= 400 an unreadable body is kept as its text, so the upstream's error reaches
 *   the caller; for a success it is UPSTREAM_BAD_RESPONSE (502), the message naming the operation.
 * - Decision: a decoder that cannot be built (an unusable `outputSchema`, an unsupported format)
 *   does not stop the other operations: that operation fails with the builder's error
 *   (SPEC_INVALID / NOT_IMPLEMENTED) each time it is invoked.
 */
import { NaftikoError } from '../../errors.js';
import type { ConsumedHttpOperation } from '../../spec/types.js';
import { createDecoder } from './decode/index.js';

export type ResponseDecoder = (
  status: number,
  raw: Buffer,
  contentType: string | undefined,
  where: string,
  /** json: integers beyond 2^53 as bigints (mapped results, contract §6); other formats ignore it. */
  losslessIntegers?: boolean,
) => Promise<unknown>;

export function compileResponseDecoder(
  op: ConsumedHttpOperation,
  baseDir: string,
): ResponseDecoder {
  let decode: (raw: Buffer, contentType: string | undefined) => unknown;
  let decodeLossless: typeof decode;
  try {
    decode = createDecoder(op.outputRawFormat, {
      ...(op.outputSchema !== undefined ? { outputSchema: op.outputSchema } : {}),
      baseDir,
    });
    decodeLossless =
      (op.outputRawFormat ?? 'json').toLowerCase() === 'json'
        ? createDecoder('json', { losslessIntegers: true })
        : decode;
  } catch (err) {
    return () => Promise.reject(err);
  }
  return async (status, raw, contentType, where, losslessIntegers) => {
    try {
      return await (losslessIntegers ? decodeLossless : decode)(raw, contentType);
    } catch (err) {
      // Settings problems (checked when a lazily loaded format is first used) are not the upstream's.
      if (
        err instanceof NaftikoError &&
        (err.code === 'SPEC_INVALID' || err.code === 'NOT_IMPLEMENTED')
      ) {
        throw err;
      }
      if (status >= 400) return raw.toString('utf8');
      const message = err instanceof NaftikoError ? err.message : 'the body cannot be decoded';
      throw new NaftikoError('UPSTREAM_BAD_RESPONSE', `${where}: ${message}`, {
        details: err instanceof NaftikoError ? { ...err.details } : undefined,
        cause: err,
      });
    }
  };
}
