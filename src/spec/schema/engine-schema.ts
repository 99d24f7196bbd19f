/**
 * The engine dialect: what the engine accepts beyond strict alpha2 conformance.
 *
 * Real generators emit a handful of forms the official alpha2 schema rejects, although the engine
 * can run them unambiguously (contract §2, "Dialect"). Each patch below widens the strict schema
 * for exactly one such form; the detector with the same rule id in dialect-rules.ts finds the
 * form in a document and reports it (a warning, or an error under --strict). A patch and its
 * detector must describe the same set of values: test/spec/dialect.test.ts checks on the corpus
 * that the engine schema plus the detectors give the strict schema's verdict.
 */
import type { AnySchemaObject } from 'ajv';
import { COMPATIBLE_VERSIONS, TARGET_VERSION } from '../version.js';

type Defs = Record<string, AnySchemaObject>;

export interface DialectPatch {
  readonly rule: string;
  apply(schema: AnySchemaObject, defs: Defs): void;
}

/** Anything an HTTP API may call a parameter: no whitespace, at least one character. */
export const ENGINE_PARAMETER_NAME = '^\\S+$';
/**
 * Resource and operation names: any word without whitespace. Generators derive them from paths
 * (`admin-api-2020-01-orders.json`, `{objectType}`); they label things, and a `call` can still
 * only address operation names that fit its `namespace.operation` pattern.
 */
export const ENGINE_RESOURCE_NAME = '^\\S+$';
/** MCP tool names as the MCP specification allows them (the 64-character limit is a rule). */
export const ENGINE_TOOL_NAME = '^[A-Za-z0-9_.-]+$';
/** http(s) URL with templates anywhere after the host, or a URL that is a template itself. */
export const ENGINE_BASE_URI = '^(?:https?://[^/]+(?:/[\\s\\S]*)?|\\{\\{[\\s\\S]+)$';

export const DIALECT_PATCHES: readonly DialectPatch[] = [
  {
    rule: 'version-compatible',
    apply(schema) {
      props(schema).naftiko = { type: 'string', enum: [TARGET_VERSION, ...COMPATIBLE_VERSIONS] };
    },
  },
  {
    rule: 'dialect-rest-description',
    apply(_schema, defs) {
      props(def(defs, 'ExposesRest')).description = { type: 'string' };
    },
  },
  {
    rule: 'dialect-consumed-parameter-fields',
    apply(_schema, defs) {
      Object.assign(props(def(defs, 'ConsumedInputParameter')), {
        type: { $ref: '#/$defs/ParameterType' },
        description: { type: 'string' },
        required: { type: 'boolean' },
      });
    },
  },
  {
    rule: 'dialect-parameter-name',
    apply(_schema, defs) {
      defs.ConsumedParameterName = {
        description: 'a parameter name, without whitespace',
        type: 'string',
        pattern: ENGINE_PARAMETER_NAME,
      };
    },
  },
  {
    rule: 'dialect-passthrough-output',
    apply(_schema, defs) {
      for (const [name, child] of [
        ['MappedOutputParameterObject', 'properties'],
        ['MappedOutputParameterArray', 'items'],
      ] as const) {
        const target = def(defs, name);
        delete target.required;
        target.anyOf = [{ required: [child] }, { required: ['mapping'] }];
      }
    },
  },
  {
    rule: 'dialect-name-case',
    apply(_schema, defs) {
      defs.ResourceName = {
        description: 'a name, without whitespace',
        type: 'string',
        pattern: ENGINE_RESOURCE_NAME,
      };
    },
  },
  {
    // Also MCP tool names: MCP allows `_` and `.` (`test_simple_text`), alpha2 does not.
    rule: 'dialect-name-case',
    apply(_schema, defs) {
      defs.ToolName = {
        description: "an MCP tool name: letters, digits, '_', '-' and '.'",
        type: 'string',
        pattern: ENGINE_TOOL_NAME,
      };
    },
  },
  {
    rule: 'dialect-base-uri-template',
    apply(_schema, defs) {
      defs.BaseUri = {
        description: 'an http(s) URL, possibly templated, or a {{template}}',
        type: 'string',
        pattern: ENGINE_BASE_URI,
      };
    },
  },
];

/** A deep copy of the strict schema with every dialect patch applied. */
export function applyDialectPatches(strict: AnySchemaObject): AnySchemaObject {
  const schema = structuredClone(strict);
  schema.$id = String(strict.$id).replace(/\.schema\.json$/, '.engine.schema.json');
  schema.title = `${String(strict.title).replace(/ \(strict conformance\)$/, '')} (engine dialect)`;
  const defs = schema.$defs as Defs;
  for (const patch of DIALECT_PATCHES) patch.apply(schema, defs);
  return schema;
}

function def(defs: Defs, name: string): AnySchemaObject {
  const found = defs[name];
  if (found === undefined) throw new Error(`dialect patch: no $defs/${name} in the strict schema`);
  return found;
}

function props(schema: AnySchemaObject): Record<string, AnySchemaObject> {
  return schema.properties as Record<string, AnySchemaObject>;
}
