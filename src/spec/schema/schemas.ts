/**
 * Our two JSON Schemas, compiled once per process.
 *
 * - strict: schemas/naftiko-1.0.0-alpha2.schema.json, official alpha2 conformance.
 * - engine: the same schema with the dialect patches of engine-schema.ts applied.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 as Ajv2020Class } from 'ajv/dist/2020.js';
import type addFormatsModule from 'ajv-formats';
import { applyDialectPatches } from './engine-schema.js';
import { explainUnions } from './union-errors.js';
import type { SchemaIndex } from './union-errors.js';

// Ajv itself is loaded only when a schema must be compiled (an invalid document, or no build):
// a valid document is checked by the generated validator alone, which keeps it out of start-up.
const require = createRequire(import.meta.url);

export type SchemaLevel = 'strict' | 'engine';

const STRICT_SCHEMA_URL = new URL(
  '../../../schemas/naftiko-1.0.0-alpha2.schema.json',
  import.meta.url,
);

let strictSchema: AnySchemaObject | undefined;

/** The strict schema as a plain object (read from disk once). */
export function loadStrictSchema(): AnySchemaObject {
  strictSchema ??= JSON.parse(readFileSync(STRICT_SCHEMA_URL, 'utf8')) as AnySchemaObject;
  return strictSchema;
}

export function schemaFor(level: SchemaLevel): AnySchemaObject {
  const strict = loadStrictSchema();
  return level === 'strict' ? strict : applyDialectPatches(strict);
}

interface Compiled {
  readonly validate: ValidateFunction;
  readonly index: SchemaIndex;
}

const compiled = new Map<SchemaLevel, Compiled>();

function compile(level: SchemaLevel): Compiled {
  let found = compiled.get(level);
  if (found === undefined) {
    const { Ajv2020 } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
    const addFormats = (require('ajv-formats') as typeof addFormatsModule).default;
    // verbose: errors carry their parentSchema, which locates a failed union in the schema.
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
    });
    addFormats(ajv);
    const schema = schemaFor(level);
    const id = String(schema.$id);
    const validate = ajv.compile(schema);
    const subschemas = new Map<string, ValidateFunction | undefined>();
    const subschema = (pointer: string) => {
      if (!subschemas.has(pointer)) {
        let sub: ValidateFunction | undefined;
        try {
          sub = ajv.getSchema(id + pointer);
        } catch {
          sub = undefined;
        }
        subschemas.set(pointer, sub);
      }
      return subschemas.get(pointer);
    };
    const pointers = schemaPointers(schema);
    const unionPointer = (error: ErrorObject) => {
      const parent = pointers.get(error.parentSchema as object);
      return parent === undefined ? undefined : `${parent}/${error.keyword}`;
    };
    found = { validate, index: { subschema, unionPointer } };
    compiled.set(level, found);
  }
  return found;
}

/** The compiled validator for a level (compiled on first use, then cached). */
export function validatorFor(level: SchemaLevel): ValidateFunction {
  return compile(level).validate;
}

type Check = (value: unknown) => boolean;
const precompiled = new Map<SchemaLevel, Check | undefined>();

/**
 * The validator that `npm run build` generates next to this module for a level (see
 * scripts/build-validators.mjs), loaded on first use: `run` only ever needs the engine level.
 * Where it is missing (tests run from the sources), the schema is compiled instead.
 */
function precompiledFor(level: SchemaLevel): Check | undefined {
  if (!precompiled.has(level)) {
    let check: Check | undefined;
    try {
      check = require(`./${level}-validator.cjs`) as Check;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    }
    precompiled.set(level, check);
  }
  return precompiled.get(level);
}

/**
 * Validates a document against a level's schema: [] when it conforms, otherwise ajv's errors
 * with failed unions explained by their most likely branch (see union-errors.ts).
 */
export function schemaErrors(level: SchemaLevel, value: unknown): ErrorObject[] {
  if (precompiledFor(level)?.(value) === true) return [];
  const { validate, index } = compile(level);
  if (validate(value)) return [];
  return explainUnions(validate.errors ?? [], value, index);
}

/** `#/...` pointer of every schema object, by identity (ajv reports the objects we gave it). */
function schemaPointers(schema: AnySchemaObject): Map<object, string> {
  const pointers = new Map<object, string>();
  const walk = (node: unknown, pointer: string) => {
    if (node === null || typeof node !== 'object') return;
    if (!Array.isArray(node)) pointers.set(node, pointer);
    for (const [k, v] of Object.entries(node)) {
      walk(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    }
  };
  walk(schema, '#');
  return pointers;
}
