/** outputRawFormat avro and protobuf: schema files from outputSchema, binary bodies to JSON. */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecoder } from '../../../../src/consumes/http/decode/index.js';
import { errorOf } from './decode-helpers.js';

const AVRO_SCHEMA = {
  type: 'record',
  name: 'RecordsList',
  fields: [
    {
      name: 'records',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Record',
          fields: [
            { name: 'id', type: 'string' },
            { name: 'views', type: 'long' },
            { name: 'description', type: ['null', 'string'], default: null },
            { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['DOC', 'VIDEO'] } },
            { name: 'hash', type: 'bytes' },
          ],
        },
      },
    },
  ],
};

const PROTO = `syntax = "proto3";
package shop;
message RecordsList { repeated Record records = 1; string next = 2; }
message Record { string id = 1; int64 views = 2; Kind kind = 3; bytes hash = 4; repeated string tags = 5; }
enum Kind { DOC = 0; VIDEO = 1; }
`;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'decode-binary-'));
  writeFileSync(join(dir, 'records.avsc'), JSON.stringify(AVRO_SCHEMA));
  writeFileSync(join(dir, 'records.proto'), PROTO);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('avro decoding', () => {
  it('decodes one binary datum with the .avsc named by outputSchema', () => {
    const datum = avro.Type.forSchema(AVRO_SCHEMA as avro.Schema).toBuffer({
      records: [
        { id: 'r1', views: 12, description: 'first', kind: 'VIDEO', hash: Buffer.from('hi') },
        { id: 'r2', views: 0, description: null, kind: 'DOC', hash: Buffer.alloc(0) },
      ],
    });
    const decode = createDecoder('avro', { outputSchema: 'records.avsc', baseDir: dir });
    expect(decode(datum, 'application/avro')).toEqual({
      records: [
        { id: 'r1', views: 12, description: 'first', kind: 'VIDEO', hash: 'aGk=' },
        { id: 'r2', views: 0, description: null, kind: 'DOC', hash: '' },
      ],
    });
    const err = errorOf(() => decode(datum.subarray(0, 5), 'application/avro'));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('reports container files as not supported', () => {
    const decode = createDecoder('avro', { outputSchema: join(dir, 'records.avsc') });
    const err = errorOf(() => decode(Buffer.from('Obj\x01rest', 'latin1'), undefined));
    expect(err.code).toBe('NOT_IMPLEMENTED');
  });

  it('needs an outputSchema that names an existing, valid schema file', () => {
    expect(errorOf(() => createDecoder('avro')).code).toBe('SPEC_INVALID');
    const missing = errorOf(() =>
      createDecoder('avro', { outputSchema: 'nope.avsc', baseDir: dir }),
    );
    expect(missing.message).toMatch(/"nope.avsc" was not found/);
    writeFileSync(join(dir, 'bad.avsc'), '{"type":"record"}');
    const bad = errorOf(() => createDecoder('avro', { outputSchema: 'bad.avsc', baseDir: dir }));
    expect(bad.code).toBe('SPEC_INVALID');
  });
});

describe('protobuf decoding', () => {
  it('decodes the first message of the .proto named by outputSchema', () => {
    const type = protobuf.parse(PROTO).root.lookupType('shop.RecordsList');
    const body = type
      .encode(
        type.fromObject({
          records: [
            { id: 'r1', views: 12, kind: 'VIDEO', hash: Buffer.from('hi'), tags: ['a'] },
            { id: 'r2' },
          ],
        }),
      )
      .finish();
    const decode = createDecoder('protobuf', { outputSchema: 'records.proto', baseDir: dir });
    expect(decode(Buffer.from(body), 'application/x-protobuf')).toEqual({
      records: [
        { id: 'r1', views: 12, kind: 'VIDEO', hash: 'aGk=', tags: ['a'] },
        { id: 'r2', tags: [] },
      ],
    });
  });

  it('picks another message with #Name', () => {
    const type = protobuf.parse(PROTO).root.lookupType('shop.Record');
    const body = Buffer.from(type.encode(type.fromObject({ id: 'solo' })).finish());
    const decode = createDecoder('protobuf', {
      outputSchema: 'records.proto#shop.Record',
      baseDir: dir,
    });
    expect(decode(body, undefined)).toEqual({ id: 'solo', tags: [] });
  });

  it('rejects a body that is not such a message', () => {
    const decode = createDecoder('protobuf', { outputSchema: 'records.proto', baseDir: dir });
    const err = errorOf(() => decode(Buffer.from([0x0a, 0x05, 0x01]), undefined));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toMatch(/not valid protobuf: not a shop.RecordsList message/);
  });

  it('needs an outputSchema naming a readable .proto file', () => {
    expect(errorOf(() => createDecoder('protobuf')).code).toBe('SPEC_INVALID');
    writeFileSync(join(dir, 'broken.proto'), 'message {');
    const err = errorOf(() =>
      createDecoder('protobuf', { outputSchema: 'broken.proto', baseDir: dir }),
    );
    expect(err.code).toBe('SPEC_INVALID');
  });
});
