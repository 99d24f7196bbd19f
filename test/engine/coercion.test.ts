/**
 * Output coercion (contract §6) and the lossless JSON leaf it relies on for int64 values:
 * numbers from JSON number literals only, exact or not at all; bigints in, digits out.
 */
import { describe, expect, it } from 'vitest';
import { coerce, compileOutputs } from '../../src/engine/output-mapping.js';
import type { OutputParameter } from '../../src/spec/types.js';
import { bigIntsAsStrings, parseJsonLossless, stringifyJson } from '../../src/lossless-json.js';

const none = () => undefined;

describe('coercion to number', () => {
  it.each([
    ['1250.50', 1250.5],
    ['19.90', 19.9],
    ['-3e2', -300],
    ['42', 42],
    ['0', 0],
    ['-0.5', -0.5],
    ['4.5e3', 4500],
    ['9007199254740991', 9007199254740991],
  ])('%j becomes %d', (text, expected) => {
    expect(coerce(text, 'number')).toBe(expected);
  });

  it.each(['007', '0x1F', '+1', ' 1', '1 ', '', '1.', '.5', 'NaN', 'Infinity', '1e400', '1,5'])(
    '%j is not a JSON number literal (or overflows): it stays a string',
    (text) => {
      expect(coerce(text, 'number')).toBe(text);
    },
  );

  it('keeps integers beyond ±2^53 as strings (a double would round them)', () => {
    expect(coerce('9007199254740993', 'number')).toBe('9007199254740993');
    expect(coerce('-9007199254740993', 'number')).toBe('-9007199254740993');
    expect(coerce('1e20', 'number')).toBe('1e20');
  });

  it('leaves numbers and int64 bigints alone', () => {
    expect(coerce(3.5, 'number')).toBe(3.5);
    expect(coerce(9007199254740993n, 'number')).toBe(9007199254740993n);
  });
});

describe('coercion to boolean and string', () => {
  it('reads only "true" and "false"', () => {
    expect(coerce('true', 'boolean')).toBe(true);
    expect(coerce('false', 'boolean')).toBe(false);
    expect(coerce('True', 'boolean')).toBe('True');
    expect(coerce('1', 'boolean')).toBe('1');
  });

  it('writes an int64 as its digits', () => {
    expect(coerce(9007199254740993n, 'string')).toBe('9007199254740993');
  });

  it('applies through a mapping', () => {
    const outputs: OutputParameter[] = [
      { name: 'price', type: 'number', mapping: '$.price' },
      { name: 'code', type: 'number', mapping: '$.code' },
      { name: 'active', type: 'boolean', mapping: '$.active' },
    ] as OutputParameter[];
    const map = compileOutputs(outputs);
    expect(map({ price: '19.90', code: '007', active: 'true' }, none)).toEqual({
      price: 19.9,
      code: '007',
      active: true,
    });
  });
});

describe('lossless JSON', () => {
  it('parses integers beyond 2^53 as bigints, everything else as JSON.parse does', () => {
    const text =
      '{"id": 9007199254740993, "neg": -12345678901234567890, "small": 42, "f": 1.5e3,' +
      ' "s": "12345678901234567890", "safe": 9007199254740991, "a": [true, null, "x\\"y\\\\"]}';
    expect(parseJsonLossless(text)).toEqual({
      id: 9007199254740993n,
      neg: -12345678901234567890n,
      small: 42,
      f: 1500,
      s: '12345678901234567890',
      safe: 9007199254740991,
      a: [true, null, 'x"y\\'],
    });
  });

  it('keeps __proto__ as data and rejects what JSON.parse rejects', () => {
    const parsed = parseJsonLossless(
      '{"__proto__": {"x": 1}, "n": 12345678901234567890}',
    ) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'n']);
    for (const bad of [
      '{"n": 12345678901234567890,}',
      '[12345678901234567890',
      '{"n": 012345678901234567890}',
      '"12345678901234567890\u0001"',
      '12345678901234567890 x',
    ]) {
      expect(() => parseJsonLossless(bad), bad).toThrow(SyntaxError);
    }
  });

  it('writes bigints as digits, and is JSON.stringify otherwise', () => {
    const value = { id: 9007199254740993n, list: [1n, undefined, 'a'], skip: undefined, n: 1.5 };
    expect(stringifyJson(value)).toBe('{"id":9007199254740993,"list":[1,null,"a"],"n":1.5}');
    expect(stringifyJson({ a: [1, 'b'] })).toBe(JSON.stringify({ a: [1, 'b'] }));
    expect(stringifyJson(undefined)).toBe('null');
    const text = '{"id":9007199254740993,"nested":{"ids":[12345678901234567890]}}';
    expect(stringifyJson(parseJsonLossless(text))).toBe(text);
  });

  it('offers exact decimal strings where only doubles can be written', () => {
    expect(bigIntsAsStrings({ id: 9007199254740993n, a: [2n] })).toEqual({
      id: '9007199254740993',
      a: ['2'],
    });
  });
});
