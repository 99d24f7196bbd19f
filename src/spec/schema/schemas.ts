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

/**
 * Options of the Ajv that explains an invalid document (every error, each with its schema: a
 * failed union is located in the schema by its `parentSchema`). scripts/build-validators.mjs
 * generates the same validators ahead of time with these options.
 */
export const EXPLAIN_AJV_OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: true,
  strictTypes: false,
  strictRequired: false,
} as const;

const compiled = new Map<SchemaLevel, Compiled>();
const levelSchemas = new Map<SchemaLevel, AnySchemaObject>();

/** One schema object per level and process: errors are matched to it by identity. */
function levelSchema(level: SchemaLevel): AnySchemaObject {
  let schema = levelSchemas.get(level);
  if (schema === undefined) {
    schema = schemaFor(level);
    levelSchemas.set(level, schema);
  }
  return schema;
}

type ExplainFactory = (at: (pointer: string) => unknown) => Record<string, ValidateFunction>;

function compile(level: SchemaLevel): Compiled {
  let found = compiled.get(level);
  if (found === undefined) {
    const schema = levelSchema(level);
    const pointers = schemaPointers(schema);
    const unionPointer = (error: ErrorObject) => {
      const parent = pointers.get(error.parentSchema as object);
      return parent === undefined ? undefined : `${parent}/${error.keyword}`;
    };
    found = generatedFor(level, pointers) ?? compileWithAjv(schema);
    found = { validate: found.validate, index: { subschema: found.index.subschema, unionPointer } };
    compiled.set(level, found);
  }
  return found;
}

/** The validators `npm run build` generated for explaining (`<level>-explain.cjs`), if any. */
function generatedFor(
  level: SchemaLevel,
  pointers: ReadonlyMap<object, string>,
): Compiled | undefined {
  let factory: ExplainFactory;
  try {
    factory = require(`./${level}-explain.cjs`) as ExplainFactory;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return undefined;
  }
  const byPointer = new Map<string, unknown>();
  for (const [node, pointer] of pointers) byPointer.set(pointer, node);
  const at = (pointer: string): unknown => {
    const node = byPointer.get(pointer);
    if (node === undefined) throw new Error(`${level}-explain.cjs: no schema at ${pointer}`);
    return node;
  };
  const validators = factory(at);
  const validate = validators['#'];
  if (validate === undefined) return undefined;
  const subschema = (pointer: string): ValidateFunction | undefined => {
    const sub = validators[pointer];
    if (sub !== undefined && sub.schema === undefined) {
      (sub as { schema: unknown }).schema = at(pointer);
    }
    return sub;
  };
  return { validate, index: { subschema, unionPointer: () => undefined } };
}

/** No generated module (tests run from the sources): compile the schema with Ajv. */
function compileWithAjv(schema: AnySchemaObject): Compiled {
  const { Ajv2020 } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
  const addFormats = (require('ajv-formats') as typeof addFormatsModule).default;
  const ajv = new Ajv2020({ ...EXPLAIN_AJV_OPTIONS });
  addFormats(ajv);
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
  return { validate, index: { subschema, unionPointer: () => undefined } };
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
export function schemaPointers(schema: AnySchemaObject): Map<object, string> {
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
