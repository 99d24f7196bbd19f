/**
 * outputRawFormat `protobuf`: one binary Protocol Buffers message, read with the `.proto` file
 * named by `outputSchema`. As in the reference engine, the message type is the first message
 * declared in that file; `file.proto#pkg.Message` picks another one. Fields keep their proto
 * names; enums become their names, `bytes` base64 strings, 64-bit integers numbers; absent
 * scalar fields are left out, as in the proto3 JSON mapping, and repeated fields are always
 * arrays (an empty one when absent).
 */

import protobuf from 'protobufjs';
import { NaftikoError } from '../../../errors.js';
import { badResponse, problemOf } from './bad-response.js';
import { missingSchema, resolveSchemaFile } from './schema-file.js';

/** The first message type declared in a namespace, depth-first through nested packages. */
function firstMessage(namespace: protobuf.NamespaceBase): protobuf.Type | undefined {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) return nested;
    if (nested instanceof protobuf.Namespace) {
      const found = firstMessage(nested);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function loadMessageType(outputSchema: string, baseDir?: string): protobuf.Type {
  const [file = '', messageName] = outputSchema.split('#', 2);
  const path = resolveSchemaFile('protobuf', file, baseDir);
  try {
    const root = protobuf.loadSync(path);
    const type = messageName ? root.lookupType(messageName) : firstMessage(root);
    if (type === undefined) throw new Error('it declares no message type');
    return type;
  } catch (err) {
    throw new NaftikoError(
      'SPEC_INVALID',
      `The protobuf outputSchema "${outputSchema}" cannot be used: ${problemOf(err)}`,
    );
  }
}

/** Builds the protobuf decoder for an operation, loading its .proto file once. */
export function createProtobufDecoder(
  outputSchema: string | undefined,
  baseDir?: string,
): (body: Buffer) => unknown {
  if (outputSchema === undefined || outputSchema.trim() === '') {
    throw missingSchema('protobuf', '.proto');
  }
  const type = loadMessageType(outputSchema, baseDir);
  return (body) => {
    let message: protobuf.Message;
    try {
      message = type.decode(body);
    } catch (err) {
      throw badResponse('protobuf', `not a ${type.fullName.slice(1)} message: ${problemOf(err)}`);
    }
    return type.toObject(message, { longs: Number, enums: String, bytes: String, arrays: true });
  };
}
