/**
 * A `{type: json, data}` body given as an object or array (contract §5), compiled once into a
 * tree. Each string leaf is a template: a leaf that is exactly one placeholder takes the value
 * with its own type (number, array, object...), any other leaf renders to text. Decision: a leaf
 * with a name that has no value is left out (the member, or the array element), so that an
 * absent optional input is omitted rather than sent as "" (contract §5, "never sent empty").
 * Keys and non-string leaves are literal.
 */
import type { Lookup } from '../../spec/template.js';
import { compileValue } from './value-template.js';

/** Renders the data; undefined means "leave out". */
export type JsonNode = (lookup: Lookup) => unknown;

export function compileJsonData(data: unknown): JsonNode {
  if (typeof data === 'string') {
    const value = compileValue(data);
    return (lookup) => value.resolve(lookup).value;
  }
  if (Array.isArray(data)) {
    if (isStatic(data)) return () => data;
    const items = data.map(compileJsonData);
    return (lookup) => items.map((item) => item(lookup)).filter((v) => v !== undefined);
  }
  if (data !== null && typeof data === 'object') {
    if (isStatic(data)) return () => data;
    const members = Object.entries(data).map(
      ([key, value]) => [key, compileJsonData(value)] as const,
    );
    return (lookup) => {
      const out: Record<string, unknown> = {};
      for (const [key, member] of members) {
        const value = member(lookup);
        if (value !== undefined) out[key] = value;
      }
      return out;
    };
  }
  return () => data;
}

/** True when no string in the tree has a placeholder. */
function isStatic(data: unknown): boolean {
  if (typeof data === 'string') return compileValue(data).names.length === 0;
  if (Array.isArray(data)) return data.every(isStatic);
  if (data !== null && typeof data === 'object') return Object.values(data).every(isStatic);
  return true;
}
