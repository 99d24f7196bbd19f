/** outputRawFormat csv/tsv/psv: header-keyed row objects, RFC 4180 quoting, string values. */

import { describe, expect, it } from 'vitest';
import { decodeText, errorOf } from './decode-helpers.js';

describe('delimited decoding', () => {
  it('keys CSV rows by the header and keeps numbers as strings', () => {
    // Same sample and expectations as the reference engine's converter test.
    expect(decodeText('csv', 'name,age\nAlice,42\nBob,39\n', 'text/csv')).toEqual([
      { name: 'Alice', age: '42' },
      { name: 'Bob', age: '39' },
    ]);
  });

  it('handles RFC 4180 quoting: delimiters, escaped quotes and line breaks in fields', () => {
    const body = 'id,name,notes\r\n1,"Smith, Jane","says ""hi"""\r\n2,Lee,"two\r\nlines"\r\n';
    expect(decodeText('csv', body, 'text/csv')).toEqual([
      { id: '1', name: 'Smith, Jane', notes: 'says "hi"' },
      { id: '2', name: 'Lee', notes: 'two\r\nlines' },
    ]);
  });

  it('reads tab- and pipe-separated values', () => {
    const tsv = 'sku\ttitle\nA1\t27" monitor\nB2\tdesk, oak\n';
    expect(decodeText('tsv', tsv, 'text/tab-separated-values')).toEqual([
      { sku: 'A1', title: '27" monitor' },
      { sku: 'B2', title: 'desk, oak' },
    ]);
    expect(decodeText('psv', 'a|b\n1|x,y\n', 'text/plain')).toEqual([{ a: '1', b: 'x,y' }]);
  });

  it('skips blank lines, strips a BOM and leaves short rows without their missing columns', () => {
    const body = '\ufeffid,name,email\n\n1,Ann,ann@example.com\n2,Bo\n';
    expect(decodeText('csv', body, 'text/csv')).toEqual([
      { id: '1', name: 'Ann', email: 'ann@example.com' },
      { id: '2', name: 'Bo' },
    ]);
  });

  it('returns an empty array for a header-only body', () => {
    expect(decodeText('csv', 'id,name\n', 'text/csv')).toEqual([]);
  });

  it('rejects a row with more fields than the header', () => {
    const err = errorOf(() => decodeText('csv', 'a,b\n1,2,3\n', 'text/csv'));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toMatch(/not valid csv: .*line 2/);
  });

  it('rejects an unclosed quote', () => {
    const err = errorOf(() => decodeText('tsv', 'a\tb\n"1\t2\n', 'text/plain'));
    expect(err.message).toMatch(/not valid tsv/);
  });
});
