/** decodeBody's dispatch: empty bodies, format labels, charsets, unknown formats, caching. */

import { describe, expect, it } from 'vitest';
import { createDecoder, decodeBody } from '../../../../src/consumes/http/decode/index.js';
import type { OutputRawFormat } from '../../../../src/spec/types.js';
import { decodeText, errorOf } from './decode-helpers.js';

const FORMATS: OutputRawFormat[] = ['json', 'xml', 'yaml', 'csv', 'tsv', 'psv', 'html', 'markdown'];

describe('decodeBody', () => {
  it('decodes an empty body to null in every format', () => {
    for (const format of [...FORMATS, 'avro', 'protobuf'] as OutputRawFormat[]) {
      expect(decodeBody(format, Buffer.alloc(0), 'application/json')).toBeNull();
    }
    expect(decodeBody(undefined, Buffer.alloc(0), undefined)).toBeNull();
  });

  it('decodes a whitespace-only body to null in the text formats', () => {
    for (const format of FORMATS) {
      expect(decodeText(format, ' \r\n\t', 'application/json')).toBeNull();
    }
  });

  it('matches format labels case-insensitively, like the reference engine', () => {
    const xml = 'XML' as OutputRawFormat;
    expect(decodeText(xml, '<r><name>Alice</name></r>', 'application/xml')).toEqual({
      name: 'Alice',
    });
  });

  it('rejects an unknown format as NOT_IMPLEMENTED', () => {
    const err = errorOf(() => decodeText('ini' as OutputRawFormat, 'a=1', 'text/plain'));
    expect(err.code).toBe('NOT_IMPLEMENTED');
    expect(err.message).toContain('"ini"');
  });

  it('honours the charset of the content type and a byte-order mark', () => {
    const latin1 = Buffer.from('{"city":"Zürich"}', 'latin1');
    expect(decodeBody('json', latin1, 'application/json; charset=ISO-8859-1')).toEqual({
      city: 'Zürich',
    });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":"é"}', 'utf16le')]);
    expect(decodeBody('json', utf16, 'application/json')).toEqual({ a: 'é' });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[1]')]);
    expect(decodeBody('json', bom, 'application/json')).toEqual([1]);
  });

  it('falls back to UTF-8 for an unknown charset', () => {
    expect(decodeText('json', '{"a":"ü"}', 'application/json; charset=x-unknown')).toEqual({
      a: 'ü',
    });
  });

  it('builds reusable decoders once per operation', () => {
    const decode = createDecoder('csv');
    expect(decode(Buffer.from('a,b\n1,2\n'), 'text/csv')).toEqual([{ a: '1', b: '2' }]);
    expect(decode(Buffer.from('a,b\n3,4\n'), 'text/csv')).toEqual([{ a: '3', b: '4' }]);
  });
});
