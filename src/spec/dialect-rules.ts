/**
 * Detectors for the engine dialect (contract §2): each finds one form that real generators emit
 * and reports it under its own rule id. `conformance: true` forms are rejected by the official
 * alpha2 schema (the engine schema accepts them through the patch with the same rule id in
 * schema/engine-schema.ts); they are warnings at engine level and errors under --strict. The
 * other forms are valid alpha2 but not portable: warnings at both levels.
 */
import type { DiagnosticSink, Path } from './diagnostic-sink.js';
import {
  ENGINE_BASE_URI,
  ENGINE_PARAMETER_NAME,
  ENGINE_RESOURCE_NAME,
  ENGINE_TOOL_NAME,
  MCP_CONTENT_KEYS,
} from './schema/engine-schema.js';
import {
  consumedInputParameters,
  consumedOperations,
  consumedResources,
  exposes,
  inlineConsumes,
  invocables,
  isObj,
  mcpTools,
  objectsIn,
  restOperations,
  restResources,
} from './walk.js';
import type { Obj } from './walk.js';

/** Patterns of the strict schema that the dialect widens (kept in sync by the dialect test). */
const STRICT_NAME = /^[A-Za-z0-9_*-]+$/;
const STRICT_KEBAB = /^[A-Za-z0-9-]+$/;
const STRICT_BASE_URI = /^https?:\/\/[^/]+(?:\/[^{]*)?$/;
const SINGLE_BRACE = /(?<!\{)\{([^{}]+)\}(?!\})/;

export interface DialectRule {
  readonly id: string;
  /** True when the official alpha2 schema rejects the form (an error under --strict). */
  readonly conformance: boolean;
  /** One line for docs/rules.md. */
  readonly summary: string;
  detect(
    doc: unknown,
    report: (message: string, path: Path, target?: 'key' | 'value') => void,
  ): void;
}

const CONSUMED_PARAMETER_EXTRAS = ['type', 'description', 'required'] as const;

export const DIALECT_RULES: readonly DialectRule[] = [
  {
    id: 'dialect-rest-description',
    conformance: true,
    summary: 'A `description` on a REST adapter (alpha2 has it on MCP and skill adapters only).',
    detect(doc, report) {
      for (const [adapter, path] of exposes(doc, 'rest')) {
        if ('description' in adapter) {
          report(
            '`description` on a REST adapter is not part of alpha2',
            [...path, 'description'],
            'key',
          );
        }
      }
    },
  },
  {
    id: 'dialect-consumed-parameter-fields',
    conformance: true,
    summary: '`type`, `description` or `required` on a consumed input parameter.',
    detect(doc, report) {
      for (const [param, path] of consumedInputParameters(doc)) {
        const extras = CONSUMED_PARAMETER_EXTRAS.filter((k) => k in param);
        const first = extras[0];
        if (first === undefined) continue;
        report(
          `consumed input parameter ${nameOf(param)} has ${extras.map((k) => `\`${k}\``).join(', ')}, which alpha2 defines only for exposed parameters`,
          [...path, first],
          'key',
        );
      }
    },
  },
  {
    id: 'dialect-parameter-name',
    conformance: true,
    summary:
      'A consumed parameter name with characters alpha2 names exclude (`filter[owner]`, `$top`, `ids[]`).',
    detect(doc, report) {
      const engine = new RegExp(ENGINE_PARAMETER_NAME);
      for (const [param, path] of consumedInputParameters(doc)) {
        const name = param.name;
        if (typeof name === 'string' && !STRICT_NAME.test(name) && engine.test(name)) {
          report(
            `parameter name "${name}" has characters alpha2 does not allow in names (letters, digits, '-', '_', '*')`,
            [...path, 'name'],
          );
        }
      }
    },
  },
  {
    id: 'dialect-passthrough-output',
    conformance: true,
    summary:
      'An `object`/`array` output with a `mapping` and no `properties`/`items`: the mapped value passes through.',
    detect(doc, report) {
      for (const [invocable, path] of invocables(doc)) {
        // A `ref` (and a static MCP resource) accepts any outputs: nothing relies on the dialect.
        if ('ref' in invocable || 'location' in invocable) continue;
        const outputs = invocable.outputParameters;
        if (!Array.isArray(outputs)) continue;
        outputs.forEach((output, i) =>
          findPassthrough(output, [...path, 'outputParameters', i], report),
        );
      }
    },
  },
  {
    id: 'dialect-name-case',
    conformance: true,
    summary:
      'A resource, operation or MCP tool name that is not kebab-case (`list_items`, `orders.json`).',
    detect(doc, report) {
      const engine = new RegExp(ENGINE_RESOURCE_NAME);
      const named = [
        ...[...consumedResources(doc)].map(([o, p]) => [o, p, 'consumed resource'] as const),
        ...[...consumedOperations(doc)].map(([o, p]) => [o, p, 'consumed operation'] as const),
        ...[...restResources(doc)].map(([o, p]) => [o, p, 'REST resource'] as const),
        ...[...restOperations(doc)].map(([o, p]) => [o, p, 'REST operation'] as const),
      ];
      const toolName = new RegExp(ENGINE_TOOL_NAME);
      for (const [tool, path] of mcpTools(doc)) {
        const name = tool.name;
        if (typeof name === 'string' && !STRICT_KEBAB.test(name) && toolName.test(name)) {
          report(
            `MCP tool name "${name}" is not kebab-case (alpha2 allows letters, digits and '-')`,
            [...path, 'name'],
          );
        }
      }
      for (const [item, path, what] of named) {
        const name = item.name;
        if (typeof name === 'string' && !STRICT_KEBAB.test(name) && engine.test(name)) {
          report(
            `${what} name "${name}" is not kebab-case (alpha2 allows letters, digits and '-')`,
            [...path, 'name'],
          );
        }
      }
    },
  },
  {
    id: 'dialect-base-uri-template',
    conformance: true,
    summary:
      'A `baseUri` with a placeholder after the host (`https://host/{{tenant}}`) or made of one (`{{API_URL}}`).',
    detect(doc, report) {
      const engine = new RegExp(ENGINE_BASE_URI);
      for (const [consumes, path] of inlineConsumes(doc)) {
        const uri = consumes.baseUri;
        if (typeof uri === 'string' && !STRICT_BASE_URI.test(uri) && engine.test(uri)) {
          report(
            `baseUri "${uri}" has a placeholder where alpha2 allows none (only the host may be templated)`,
            [...path, 'baseUri'],
          );
        }
      }
    },
  },
  {
    id: 'dialect-mcp-content',
    conformance: true,
    summary:
      'A `content` kind (with `mimeType`, `uri`) on an MCP tool output: image, audio, resource or link content.',
    detect(doc, report) {
      for (const [tool, path] of mcpTools(doc)) {
        // A `ref` tool accepts any outputs in alpha2 (its function's outputs are what run).
        if ('ref' in tool) continue;
        for (const [output, oPath] of objectsIn(tool, 'outputParameters', path)) {
          const keys = MCP_CONTENT_KEYS.filter((k) => k in output);
          const first = keys[0];
          if (first === undefined) continue;
          const kind = typeof output.content === 'string' ? ` (${output.content})` : '';
          report(
            `MCP tool ${nameOf(tool)}: ${keys.map((k) => `\`${k}\``).join(', ')} on an output parameter${kind} is engine dialect; alpha2 outputs carry no content kind`,
            [...oPath, first],
            'key',
          );
        }
      }
    },
  },
  {
    id: 'dialect-single-brace-path',
    conformance: false,
    summary:
      'A `{param}` placeholder in a consumed path (alpha2 writes `{{param}}`; both are filled here).',
    detect(doc, report) {
      for (const [resource, path] of consumedResources(doc)) {
        const match = typeof resource.path === 'string' ? SINGLE_BRACE.exec(resource.path) : null;
        if (match) {
          report(
            `path "${String(resource.path)}" uses {${match[1]}}; alpha2 placeholders are {{${match[1]}}} (this engine fills both, other engines may send it literally)`,
            [...path, 'path'],
          );
        }
      }
    },
  },
  {
    id: 'dialect-base-uri-trailing-slash',
    conformance: false,
    summary:
      'A `baseUri` ending in `/` (joined with exactly one `/` here; the reference engine refuses it).',
    detect(doc, report) {
      for (const [consumes, path] of inlineConsumes(doc)) {
        if (typeof consumes.baseUri === 'string' && consumes.baseUri.endsWith('/')) {
          report(
            `baseUri "${consumes.baseUri}" ends with '/'; the engine joins it with resource paths using exactly one '/', other engines refuse it`,
            [...path, 'baseUri'],
          );
        }
      }
    },
  },
];

function findPassthrough(
  output: unknown,
  path: Path,
  report: (message: string, path: Path, target?: 'key' | 'value') => void,
): void {
  if (!isObj(output)) return;
  const child =
    output.type === 'object' ? 'properties' : output.type === 'array' ? 'items' : undefined;
  if (child === undefined) return;
  if ('mapping' in output && !(child in output)) {
    report(
      `${String(output.type)} output with a \`mapping\` and no \`${child}\` passes the mapped value through unchanged; alpha2 requires \`${child}\``,
      [...path, 'mapping'],
      'key',
    );
    return;
  }
  const nested = output[child];
  if (child === 'items') findPassthrough(nested, [...path, 'items'], report);
  else if (isObj(nested)) {
    for (const [key, value] of Object.entries(nested)) {
      findPassthrough(value, [...path, 'properties', key], report);
    }
  }
}

function nameOf(param: Obj): string {
  return typeof param.name === 'string' ? `"${param.name}"` : '(unnamed)';
}

/** Runs every detector; conformance forms become errors when `strict`. */
export function checkDialect(doc: unknown, sink: DiagnosticSink, strict: boolean): void {
  for (const rule of DIALECT_RULES) {
    const severity = strict && rule.conformance ? 'error' : 'warning';
    rule.detect(doc, (message, path, target = 'value') =>
      sink.add(severity, rule.id, message, path, target),
    );
  }
}
