/**
 * Our two JSON Schemas, compiled once per process.
 *
 * - strict: schemas/naftiko-1.0.0-alpha2.schema.json, official alpha2 conformance.
 * - engine: the same schema with the dialect patches of engine-schema.ts applied.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { applyDialectPatches } from './engine-schema.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export type SchemaLevel = 'strict' | 'engine';

const STRICT_SCHEMA_URL = new URL(
  '../../../schemas/naftiko-1.0.0-alpha2.schema.json',
  import.meta.url,
);

let strictSchema: AnySchemaObject | undefined;
const compiled = new Map<SchemaLevel, ValidateFunction>();

/** The strict schema as a plain object (read from disk once). */
export function loadStrictSchema(): AnySchemaObject {
  strictSchema ??= JSON.parse(readFileSync(STRICT_SCHEMA_URL, 'utf8')) as AnySchemaObject;
  return strictSchema;
}

export function schemaFor(level: SchemaLevel): AnySchemaObject {
  const strict = loadStrictSchema();
  return level === 'strict' ? strict : applyDialectPatches(strict);
}

/** The compiled validator for a level (compiled on first use, then cached). */
export function validatorFor(level: SchemaLevel): ValidateFunction {
  let validate = compiled.get(level);
  if (validate === undefined) {
    const ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
    });
    addFormats(ajv);
    validate = ajv.compile(schemaFor(level));
    compiled.set(level, validate);
  }
  return validate;
}
