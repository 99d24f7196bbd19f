/** outputRawFormat json: strict for JSON bodies, lenient for other text, NDJSON as an array. */

import { describe, expect, it } from 'vitest';
import { decodeText, errorOf } from './decode-helpers.js';

describe('json decoding', () => {
  it('parses a JSON body, json being the default format', () => {
    const body = '{"id": 7, "tags": ["a", "b"], "owner": null, "active": true}';
    const expected = { id: 7, tags: ['a', 'b'], owner: null, active: true };
    expect(decodeText(undefined, body, 'application/json')).toEqual(expected);
    expect(decodeText('json', body, 'application/json; charset=utf-8')).toEqual(expected);
  });

  it('parses scalars and arrays at the top level', () => {
    expect(decodeText('json', '[1,2]', 'application/json')).toEqual([1, 2]);
    expect(decodeText('json', '"hi"', 'application/problem+json')).toBe('hi');
    expect(decodeText('json', '42', undefined)).toBe(42);
  });

  it('returns the text itself when a non-JSON text type does not parse', () => {
    expect(decodeText('json', 'OK', 'text/plain')).toBe('OK');
    const page = '<html><body>Service Unavailable</body></html>';
    expect(decodeText('json', page, 'text/html; charset=utf-8')).toBe(page);
    expect(decodeText('json', '<ok/>', 'application/xml')).toBe('<ok/>');
  });

  it('still parses JSON served with a text type', () => {
    expect(decodeText('json', '{"a":1}', 'text/plain')).toEqual({ a: 1 });
  });

  it('rejects a body that claims JSON and is not', () => {
    const err = errorOf(() => decodeText('json', '{"a": 1,', 'application/json'));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toMatch(/not valid json/);
    expect(err.details).toEqual({ format: 'json' });
  });

  it('rejects invalid JSON without a content type, or with a binary one', () => {
    expect(errorOf(() => decodeText('json', 'nope', undefined)).code).toBe('UPSTREAM_BAD_RESPONSE');
    const binary = errorOf(() => decodeText('json', 'GIF89a', 'image/gif'));
    expect(binary.code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('never quotes the body in its message (it may reach callers)', () => {
    const body = `{"token": "tok-S3cr3t", "broken": ${'x'.repeat(10_000)}`;
    const err = errorOf(() => decodeText('json', body, 'application/json'));
    expect(err.message.length).toBeLessThan(400);
    expect(err.message).not.toContain('S3cr3t');
    expect(err.message).not.toContain('xxx');
  });

  it('reads newline-delimited JSON as an array of values', () => {
    const body = '{"n":1}\n\n{"n":2}\r\n';
    expect(decodeText('json', body, 'application/x-ndjson')).toEqual([{ n: 1 }, { n: 2 }]);
    const err = errorOf(() => decodeText('json', '{"n":1}\n{oops', 'application/jsonl'));
    expect(err.message).toMatch(/line 2/);
  });
});
