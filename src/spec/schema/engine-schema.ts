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
  {
    // Last: it copies the output definitions as the patches above left them.
    rule: 'dialect-mcp-content',
    apply(_schema, defs) {
      mcpContentOutputs(defs);
    },
  },
];

/** The content kinds an MCP tool output may declare (`content:`), engine dialect. */
export const MCP_CONTENT_KINDS = ['text', 'image', 'audio', 'resource', 'resource_link'] as const;
/** The keys the dialect adds to a top-level MCP tool output parameter. */
export const MCP_CONTENT_KEYS = ['content', 'mimeType', 'uri'] as const;

/**
 * `content`, `mimeType` and `uri` on the top-level output parameters of MCP tools only: copies
 * of the mapped, orchestrated and mock output definitions that accept them (nested outputs, and
 * the outputs of REST operations, resources and functions keep the plain definitions, so the keys
 * stay unknown there). `image`/`audio` need a `mimeType`, `resource` a `uri`; `mimeType` and
 * `uri` need a `content`.
 */
function mcpContentOutputs(defs: Defs): void {
  const mimeType = structuredClone(props(def(defs, 'McpResource')).mimeType);
  if (mimeType === undefined) throw new Error('dialect patch: McpResource has no mimeType');
  const extra = (): Record<string, AnySchemaObject> => ({
    content: { enum: [...MCP_CONTENT_KINDS] },
    mimeType: structuredClone(mimeType),
    uri: { type: 'string', minLength: 1 },
  });
  const contentRules: AnySchemaObject[] = [
    {
      if: { required: ['content'], properties: { content: { enum: ['image', 'audio'] } } },
      then: { required: ['mimeType'] },
    },
    {
      if: { required: ['content'], properties: { content: { const: 'resource' } } },
      then: { required: ['uri'] },
    },
  ];
  const dependent = { mimeType: ['content'], uri: ['content'] };

  // Simple mode: the dispatcher and its three shapes.
  const mapped = structuredClone(def(defs, 'MappedOutputParameter'));
  for (const shape of ['Scalar', 'Object', 'Array'] as const) {
    const copy = structuredClone(def(defs, `MappedOutputParameter${shape}`));
    Object.assign(props(copy), extra());
    defs[`McpMappedOutputParameter${shape}`] = copy;
  }
  for (const branch of mapped.allOf as AnySchemaObject[]) {
    const then = branch.then as AnySchemaObject;
    then.$ref = String(then.$ref).replace('/MappedOutputParameter', '/McpMappedOutputParameter');
  }
  mapped.allOf = [...(mapped.allOf as AnySchemaObject[]), ...contentRules];
  mapped.dependentRequired = dependent;
  defs.McpMappedOutputParameter = mapped;
  defs.McpMappedOutputList = { type: 'array', items: { $ref: '#/$defs/McpMappedOutputParameter' } };

  // Orchestrated mode: each shape branch lists its keys.
  const orchestrated = structuredClone(def(defs, 'OrchestratedOutputParameter'));
  for (const branch of orchestrated.allOf as AnySchemaObject[]) {
    Object.assign(props(branch.then as AnySchemaObject), extra());
  }
  orchestrated.allOf = [...(orchestrated.allOf as AnySchemaObject[]), ...contentRules];
  orchestrated.dependentRequired = dependent;
  defs.McpOrchestratedOutputParameter = orchestrated;
  defs.McpOrchestratedOutputList = {
    type: 'array',
    items: { $ref: '#/$defs/McpOrchestratedOutputParameter' },
  };

  // Mock outputs.
  const mock = structuredClone(def(defs, 'MockOutputParameter'));
  Object.assign(props(mock), extra());
  mock.allOf = contentRules;
  mock.dependentRequired = dependent;
  defs.McpMockOutputParameter = mock;
  const mockList = structuredClone(def(defs, 'MockOutputList'));
  mockList.items = { $ref: '#/$defs/McpMockOutputParameter' };
  defs.McpMockOutputList = mockList;

  // The MCP tool's branches use the copies.
  const lists: Record<string, string> = {
    '#/$defs/MappedOutputList': '#/$defs/McpMappedOutputList',
    '#/$defs/OrchestratedOutputList': '#/$defs/McpOrchestratedOutputList',
    '#/$defs/MockOutputList': '#/$defs/McpMockOutputList',
  };
  for (const branch of def(defs, 'McpTool').anyOf as AnySchemaObject[]) {
    const outputs = (branch.properties as Record<string, AnySchemaObject> | undefined)
      ?.outputParameters;
    const target = outputs === undefined ? undefined : lists[String(outputs.$ref)];
    if (outputs !== undefined && target === undefined) {
      throw new Error(`dialect patch: unexpected McpTool outputs ${String(outputs.$ref)}`);
    }
    if (outputs !== undefined && target !== undefined) outputs.$ref = target;
  }
}

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
