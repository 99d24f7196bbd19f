import { describe, expect, it } from 'vitest';
import { coerce, compileOrchestrated, compileOutputs } from '../../src/engine/output-mapping.js';
import type { OutputParameter } from '../../src/spec/types.js';

const none = () => undefined;
const map = (outputs: unknown[], value: unknown, scope: (n: string) => unknown = none) =>
  compileOutputs(outputs as OutputParameter[])(value, scope);

const ship = {
  imo_number: '9321483',
  vessel_name: 'Ever Given',
  year_built: '2018',
  dimensions: { length_overall: 399.94 },
  crew: [
    { id: 1, name: 'Ana', role: 'captain' },
    { id: 2, name: 'Bo', role: 'engineer' },
  ],
};

describe('output mapping', () => {
  it('one output: its value is the result; `$` and `$.` are the root', () => {
    expect(map([{ type: 'string', mapping: '$.vessel_name' }], ship)).toBe('Ever Given');
    expect(map([{ type: 'object', mapping: '$.' }], ship)).toBe(ship);
    expect(map([{ type: 'object', mapping: '$' }], ship)).toBe(ship);
  });

  it('several named outputs: an object keyed by name', () => {
    expect(
      map(
        [
          { name: 'id', type: 'string', value: '{{imo}}' },
          { name: 'fixed', type: 'number', value: '7' },
        ],
        undefined,
        (n) => (n === 'imo' ? 'X1' : undefined),
      ),
    ).toEqual({ id: 'X1', fixed: 7 });
  });

  it('objects with properties, nested, relative to the parent mapping when it has one', () => {
    const outputs = [
      {
        type: 'object',
        properties: {
          name: { type: 'string', mapping: '$.vessel_name' },
          specs: {
            type: 'object',
            properties: {
              yearBuilt: { type: 'number', mapping: '$.year_built' },
              length: { type: 'number', mapping: '$.dimensions.length_overall' },
            },
          },
          size: {
            type: 'object',
            mapping: '$.dimensions',
            properties: { loa: { type: 'number', mapping: '$.length_overall' } },
          },
        },
      },
    ];
    expect(map(outputs, ship)).toEqual({
      name: 'Ever Given',
      specs: { yearBuilt: 2018, length: 399.94 },
      size: { loa: 399.94 },
    });
  });

  it('arrays with items: `$` inside items is the element', () => {
    const outputs = [
      {
        type: 'array',
        mapping: '$.crew',
        items: { type: 'object', properties: { who: { type: 'string', mapping: '$.name' } } },
      },
    ];
    expect(map(outputs, ship)).toEqual([{ who: 'Ana' }, { who: 'Bo' }]);
    expect(map([{ type: 'array', mapping: '$.crew[*].role' }], ship)).toEqual([
      'captain',
      'engineer',
    ]);
    expect(map(outputs, { crew: null })).toEqual([]);
  });

  it('const is a constant; pass-through keeps the mapped value unchanged', () => {
    expect(map([{ type: 'string', const: 'v1' }], ship)).toBe('v1');
    expect(map([{ type: 'array', mapping: '$.crew' }], ship)).toBe(ship.crew);
  });

  it('coerces scalars only when nothing is lost', () => {
    expect(coerce('42', 'number')).toBe(42);
    expect(coerce('042', 'number')).toBe('042');
    expect(coerce('4.5e3', 'number')).toBe(4500); // a JSON number literal (contract §6)
    expect(coerce(7, 'string')).toBe('7');
    expect(coerce('true', 'boolean')).toBe(true);
    expect(coerce('yes', 'boolean')).toBe('yes');
    expect(coerce(undefined, 'string')).toBe(null);
  });

  it('a missing value maps to null (it stays visible in JSON), never throws', () => {
    expect(map([{ type: 'string', mapping: '$.nope.deeper' }], ship)).toBeNull();
    expect(map([{ type: 'string', mapping: '$.x' }], 'not json')).toBeNull();
  });

  it('orchestrated outputs pick the named fields of the mappings result', () => {
    const shape = compileOrchestrated([
      { name: 'imo', type: 'string' },
      { name: 'year', type: 'number' },
      {
        name: 'specs',
        type: 'object',
        properties: { tonnage: { name: 'tonnage', type: 'number' } },
      },
    ] as OutputParameter[]);
    expect(
      shape({ imo: 9321483, year: '2018', specs: { tonnage: '220940' }, extra: 1 }, none),
    ).toEqual({
      imo: '9321483',
      year: 2018,
      specs: { tonnage: 220940 },
    });
  });
});
