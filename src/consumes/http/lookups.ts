/**
 * Composition of template lookups (contract §3: request values first, then step outputs and
 * bound variables). A name resolves to the first source that has a non-null value.
 */
import type { Lookup } from '../../spec/template.js';

/** The first source with a value for the name wins; null counts as no value. */
export function chainLookups(...sources: readonly Lookup[]): Lookup {
  return (name) => {
    for (const source of sources) {
      const value = source(name);
      if (value !== undefined && value !== null) return value;
    }
    return undefined;
  };
}

/** Own properties of a record, by exact name. */
export function recordLookup(record: Readonly<Record<string, unknown>>): Lookup {
  return (name) => (Object.hasOwn(record, name) ? record[name] : undefined);
}

/** A value is absent when it is undefined or null. */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}
