/**
 * An OpenAPI description (read into openapi-model.ts) → a Naftiko 1.0.0-alpha2 capability document
 * that passes `naftiko validate --strict`: a `consumes` namespace with one resource per path and
 * one operation per (supported) method, its `authentication` from the security schemes with the
 * secrets as bound environment variables, and, unless `consumesOnly`, a REST adapter and an MCP
 * adapter exposing every operation (kebab-case names, `with` wiring through the adapter's own
 * namespace, hints from the HTTP method, outputs passed through unchanged).
 *
 * Strict alpha2 puts types, descriptions and required flags on exposed parameters only, so the
 * consumed parameters carry `name` and `in`, and the adapters' `inputParameters` carry the rest.
 * Pure: what is skipped comes back as notes (and comments attached to the nodes they concern).
 */
import type { CommentMap } from './yaml-writer.js';
import { readOpenApi } from './openapi-model.js';
import type {
  ApiModel,
  ApiOperation,
  ApiParameter,
  Json,
  SecurityScheme,
} from './openapi-model.js';

export const SPEC_VERSION = '1.0.0-alpha2';

export interface ImportSettings {
  /** The consumes namespace; default: the API title in kebab-case. */
  readonly namespace?: string;
  /** Keep only operations with one of these tags or operationIds. */
  readonly include?: readonly string[];
  /** Leave out operations with one of these tags or operationIds. */
  readonly exclude?: readonly string[];
  /** A shared consumes file (root `consumes`), no adapters. */
  readonly consumesOnly?: boolean;
  readonly restPort?: number;
  readonly mcpPort?: number;
  /** Named in the header comment. */
  readonly sourceName?: string;
}

export interface ImportResult {
  readonly document: Json;
  /** Everything skipped, one line each (for stderr). */
  readonly warnings: readonly string[];
  /** Comments for the YAML writer: the header, and per node. */
  readonly header: readonly string[];
  readonly comments: CommentMap;
  /** The bound variables the capability needs (environment variables). */
  readonly variables: readonly string[];
}

/** `listShips`, `List ships!`, `GET /a/{b}` → `list-ships`, `list-ships`, `get-a-b`. */
export function kebab(value: string): string {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function unique(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = `${name}-${i}`;
  taken.add(candidate);
  return candidate;
}

const VALID_NAME = /^[A-Za-z0-9_*-]+$/;

function envName(namespace: string, suffix: string): string {
  const base = namespace
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${/^[A-Z]/.test(base) ? base : `API_${base}`}_${suffix}`;
}

function selected(op: ApiOperation, settings: ImportSettings): boolean {
  const keys = new Set([
    ...op.tags,
    ...(op.operationId ? [op.operationId, kebab(op.operationId)] : []),
  ]);
  const hit = (list: readonly string[] | undefined): boolean =>
    (list ?? []).some((entry) => keys.has(entry) || keys.has(kebab(entry)));
  if ((settings.include ?? []).length > 0 && !hit(settings.include)) return false;
  return !hit(settings.exclude);
}

function hints(method: string): Json {
  switch (method) {
    case 'GET':
      return { readOnly: true, destructive: false, idempotent: true };
    case 'DELETE':
      return { readOnly: false, destructive: true, idempotent: true };
    case 'PUT':
      return { readOnly: false, destructive: false, idempotent: true };
    default:
      return { readOnly: false, destructive: false, idempotent: false };
  }
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

interface Authentication {
  readonly node: Json | undefined;
  readonly variables: string[];
  readonly notes: string[];
  readonly schemeNames: readonly string[];
}

/** The consumes authentication: the first requirement the API states (globally, else per operation). */
function authentication(
  model: ApiModel,
  ops: readonly ApiOperation[],
  namespace: string,
): Authentication {
  const notes: string[] = [];
  const requirements =
    model.security ??
    ops.find((op) => op.security !== undefined && op.security.length > 0)?.security ??
    [];
  let names = requirements.flatMap((req) => Object.keys(req));
  if (names.length === 0 && model.schemes.size > 0 && model.security === undefined) {
    names = [...model.schemes.keys()];
    if (names.length > 0)
      notes.push(`no \`security\` requirement: using the first declared scheme`);
  }
  let chosen: SecurityScheme | undefined;
  for (const name of names) {
    const scheme = model.schemes.get(name);
    if (scheme === undefined) continue;
    if (scheme.kind === 'unsupported') {
      notes.push(`security scheme "${name}" skipped: ${scheme.reason}`);
      continue;
    }
    if (chosen === undefined) chosen = scheme;
    else if (chosen.name !== name)
      notes.push(
        `security scheme "${name}" skipped: one authentication per consumes namespace ("${chosen.name}" is used)`,
      );
  }
  if (chosen === undefined) return { node: undefined, variables: [], notes, schemeNames: [] };
  const note = chosen.kind === 'bearer' ? chosen.note : undefined;
  if (note !== undefined) notes.push(note);
  switch (chosen.kind) {
    case 'bearer': {
      const token = envName(namespace, note === undefined ? 'TOKEN' : 'ACCESS_TOKEN');
      return {
        node: { type: 'bearer', token: `{{${token}}}` },
        variables: [token],
        notes,
        schemeNames: [chosen.name],
      };
    }
    case 'basic':
    case 'digest': {
      const user = envName(namespace, 'USERNAME');
      const password = envName(namespace, 'PASSWORD');
      return {
        node: { type: chosen.kind, username: `{{${user}}}`, password: `{{${password}}}` },
        variables: [user, password],
        notes,
        schemeNames: [chosen.name],
      };
    }
    case 'apikey': {
      const key = envName(namespace, 'API_KEY');
      return {
        node: { type: 'apikey', key: chosen.key, placement: chosen.placement, value: `{{${key}}}` },
        variables: [key],
        notes,
        schemeNames: [chosen.name],
      };
    }
    default:
      return { node: undefined, variables: [], notes, schemeNames: [] };
  }
}

interface PlannedParameter {
  /** The consumed parameter's name (the wire name; a path one may be renamed). */
  readonly name: string;
  readonly source: ApiParameter;
}

function describe(p: ApiParameter): string {
  return p.description !== undefined ? oneLine(p.description) : `The ${p.name} ${p.in} parameter.`;
}

function bodyDescription(op: ApiOperation): string {
  const body = op.body;
  if (body === undefined) return '';
  const head =
    body.description !== undefined ? oneLine(body.description).replace(/\.$/, '') : 'Request body';
  const fields = body.fields.map((f) => `${f.name} (${f.type}${f.required ? ', required' : ''})`);
  return fields.length > 0 ? `${head} (JSON). Fields: ${fields.join(', ')}.` : `${head} (JSON).`;
}

/** Converts a dereferenced OpenAPI/Swagger document. Throws an Error when nothing is left to import. */
export function openApiToCapability(doc: Json, settings: ImportSettings = {}): ImportResult {
  const model = readOpenApi(doc);
  const comments = new WeakMap<object, readonly string[]>();
  const warnings: string[] = [];
  const namespace = settings.namespace ?? (kebab(model.title) || 'api');
  const restNs = `${namespace}-rest`;
  const mcpNs = `${namespace}-mcp`;
  const header: string[] = [
    `Generated by \`naftiko import openapi\` from ${settings.sourceName ?? 'an OpenAPI description'} (${model.version}).`,
  ];
  const docNotes = [...model.notes, ...model.skipped.map((s) => `skipped ${s}`)];

  const ops = model.operations.filter((op) => selected(op, settings));
  const filtered = model.operations.length - ops.length;
  if (filtered > 0) docNotes.push(`${filtered} operation(s) left out by --include/--exclude`);
  if (ops.length === 0)
    throw new Error('no operation to import (every one was filtered out or skipped)');

  const auth = authentication(model, ops, namespace);
  docNotes.push(...auth.notes);
  for (const op of ops) {
    if (op.security !== undefined && auth.node !== undefined) {
      const names = op.security.flatMap((req) => Object.keys(req));
      if (op.security.length === 0 || op.security.some((req) => Object.keys(req).length === 0))
        continue; // public, or optional: the credential is still sent
      if (!names.some((n) => auth.schemeNames.includes(n)))
        (op.notes as string[]).push(
          `its security (${names.join(', ')}) differs: the namespace's authentication is sent`,
        );
    }
  }

  const opNames = new Set<string>();
  const resourceNames = new Set<string>();
  const consumedResources: Json[] = [];
  const restResources: Json[] = [];
  const tools: Json[] = [];
  const byPath = new Map<string, ApiOperation[]>();
  for (const op of ops) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);

  for (const [path, pathOps] of byPath) {
    // `{x}` → `{{x}}`; a path parameter whose name alpha2 excludes gets a clean one.
    const renamed = new Map<string, string>();
    const consumedPath = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const clean = VALID_NAME.test(name) ? name : name.replace(/[^A-Za-z0-9_-]/g, '_');
      renamed.set(name, clean);
      return `{{${clean}}}`;
    });
    const resourceName = unique(kebab(path) || 'root', resourceNames);
    const consumedOps: Json[] = [];
    const restOps: Json[] = [];
    for (const op of pathOps) {
      const name = unique(
        kebab(op.operationId ?? '') || kebab(`${op.method} ${path}`) || 'operation',
        opNames,
      );
      const notes = [...op.notes];
      const planned: PlannedParameter[] = [];
      const withNames = new Set<string>();
      for (const p of op.parameters) {
        const wire = p.in === 'path' ? (renamed.get(p.name) ?? p.name) : p.name;
        if (!VALID_NAME.test(wire)) {
          notes.push(
            `${p.in} parameter "${p.name}" skipped: alpha2 parameter names are letters, digits, '-', '_' and '*'`,
          );
          continue;
        }
        if (withNames.has(wire) || (wire === 'body' && op.body !== undefined)) {
          notes.push(`${p.in} parameter "${p.name}" skipped: another parameter has that name`);
          continue;
        }
        withNames.add(wire);
        planned.push({ name: wire, source: p });
      }
      // A path placeholder the description does not declare is still an input.
      for (const clean of renamed.values()) {
        if (!planned.some((p) => p.source.in === 'path' && p.name === clean)) {
          planned.push({
            name: clean,
            source: {
              name: clean,
              in: 'path',
              required: true,
              description: undefined,
              type: 'string',
            },
          });
          withNames.add(clean);
        }
      }
      const description = op.summary ?? op.description;
      const consumedParams: Json[] = planned.map((p) => ({ name: p.name, in: p.source.in }));
      if (op.body !== undefined) consumedParams.push({ name: 'body', in: 'body' });
      const consumedOp: Json = {
        name,
        method: op.method,
        ...(description !== undefined ? { description: oneLine(description) } : {}),
        ...(consumedParams.length > 0 ? { inputParameters: consumedParams } : {}),
        ...(op.outputFormat !== undefined ? { outputRawFormat: op.outputFormat } : {}),
      };
      if (notes.length > 0) {
        comments.set(consumedOp, notes);
        for (const n of notes) warnings.push(`${op.method} ${path}: ${n}`);
      }
      consumedOps.push(consumedOp);

      const call = `${namespace}.${name}`;
      const restWith: Json = {};
      const toolWith: Json = {};
      for (const p of planned) {
        restWith[p.name] = `${restNs}.${p.name}`;
        toolWith[p.name] = `${mcpNs}.${p.name}`;
      }
      if (op.body !== undefined) {
        restWith.body = `${restNs}.body`;
        toolWith.body = `${mcpNs}.body`;
      }
      const restInputs: Json[] = planned.map((p) => ({
        name: p.name,
        in: p.source.in,
        type: p.source.type,
        description: describe(p.source),
      }));
      const toolInputs: Json[] = planned.map((p) => ({
        name: p.name,
        type: p.source.type,
        description: describe(p.source),
        required: p.source.required,
      }));
      if (op.body !== undefined) {
        restInputs.push({
          name: 'body',
          in: 'body',
          type: op.body.type,
          description: bodyDescription(op),
        });
        toolInputs.push({
          name: 'body',
          type: op.body.type,
          description: bodyDescription(op),
          required: op.body.required,
        });
      }
      const hasInputs = planned.length > 0 || op.body !== undefined;
      restOps.push({
        method: op.method,
        name,
        ...(description !== undefined ? { description: oneLine(description) } : {}),
        ...(hasInputs ? { inputParameters: restInputs } : {}),
        call,
        ...(hasInputs ? { with: restWith } : {}),
      });
      tools.push({
        name,
        description: oneLine(description ?? op.description ?? `${op.method} ${path}`),
        hints: hints(op.method),
        ...(hasInputs ? { inputParameters: toolInputs } : {}),
        call,
        ...(hasInputs ? { with: toolWith } : {}),
      });
    }
    const resourceDescription = `${path}: ${consumedOps.map((o) => String(o.name)).join(', ')}.`;
    consumedResources.push({ name: resourceName, path: consumedPath, operations: consumedOps });
    restResources.push({
      name: resourceName,
      description: resourceDescription,
      path: consumedPath,
      operations: restOps,
    });
  }

  const consumes: Json = {
    type: 'http',
    namespace,
    description: oneLine(
      model.description ?? `${model.title}, imported from its OpenAPI description.`,
    ),
    baseUri: model.baseUri,
    ...(auth.node !== undefined ? { authentication: auth.node } : {}),
    resources: consumedResources,
  };
  const info: Json = {
    label: model.title,
    description: oneLine(
      model.description ?? `${model.title}, imported from its OpenAPI description.`,
    ),
    ...(model.tags.length > 0 ? { tags: model.tags } : {}),
  };
  if (auth.variables.length > 0) {
    header.push(
      `Secrets are bound variables read from the environment: ${auth.variables.join(', ')}.`,
    );
  }
  for (const note of docNotes) warnings.push(note);
  header.push(...docNotes);

  let document: Json;
  if (settings.consumesOnly === true) {
    if (auth.variables.length > 0)
      header.push(`A capability importing this file binds ${auth.variables.join(', ')}.`);
    document = { naftiko: SPEC_VERSION, info, consumes: [consumes] };
  } else {
    const binds =
      auth.variables.length > 0
        ? [
            {
              namespace: `${namespace}-env`,
              description: `Credentials for ${model.title}, from the environment.`,
              keys: Object.fromEntries(auth.variables.map((v) => [v, v])),
            },
          ]
        : undefined;
    const rest: Json = {
      type: 'rest',
      namespace: restNs,
      address: 'localhost',
      port: settings.restPort ?? 8080,
      resources: restResources,
    };
    comments.set(rest, [
      'Listens on localhost only: set `address` (and `authentication`) to serve beyond this machine.',
    ]);
    const mcp: Json = {
      type: 'mcp',
      namespace: mcpNs,
      port: settings.mcpPort ?? 9090,
      transport: 'http',
      description: `MCP tools for ${model.title}: one per operation of its OpenAPI description.`,
      tools,
    };
    document = {
      naftiko: SPEC_VERSION,
      info,
      ...(binds !== undefined ? { binds } : {}),
      capability: { consumes: [consumes], exposes: [rest, mcp] },
    };
  }
  return { document, warnings, header, comments, variables: auth.variables };
}
