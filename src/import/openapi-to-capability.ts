/**
 * An OpenAPI description (read into openapi-model.ts) → a Naftiko 1.0.0-alpha2 capability document
 * that passes `naftiko validate --strict`: a `consumes` namespace with one resource per path and
 * one operation per (supported) method (operations with their own `servers` in a namespace per
 * base URI), its `authentication` from the security schemes with the
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

/** Letters NFKD does not decompose into an ASCII letter and marks. */
const LETTERS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  ø: 'o',
  œ: 'oe',
  ł: 'l',
  đ: 'd',
  þ: 'th',
  Æ: 'Ae',
  Ø: 'O',
  Œ: 'Oe',
  Ł: 'L',
  Đ: 'D',
  Þ: 'Th',
};

/** `listShips`, `List ships!`, `GET /a/{b}` → `list-ships`, `list-ships`, `get-a-b`. */
export function kebab(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßæøœłđþÆØŒŁĐÞ]/g, (c) => LETTERS[c] ?? c)
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** MCP tool names (and so the operation names the importer gives them) are 1–64 characters. */
export const MAX_NAME = 64;

/** A short stable hash (FNV-1a, base 36) of a name. */
function shortHash(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, '0').slice(0, 6);
}

/** `name` + `suffix` in at most 64 characters: a longer name is cut and ends with its hash. */
export function fitName(name: string, suffix = ''): string {
  if (name.length + suffix.length <= MAX_NAME) return `${name}${suffix}`;
  const tail = `-${shortHash(name)}${suffix}`;
  return `${name.slice(0, MAX_NAME - tail.length).replace(/-+$/, '')}${tail}`;
}

function unique(name: string, taken: Set<string>): string {
  let candidate = fitName(name);
  for (let i = 2; taken.has(candidate); i++) candidate = fitName(name, `-${i}`);
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
  const parts = [
    p.description !== undefined ? oneLine(p.description) : `The ${p.name} ${p.in} parameter.`,
  ];
  if (p.serialization !== undefined)
    parts.push(`A list as one value: ${p.serialization} (e.g. a,b), sent as given.`);
  if (p.mixed !== undefined) parts.push(`One of: ${p.mixed.join(', ')}; sent as the text given.`);
  if (p.enum !== undefined) parts.push(`One of: ${p.enum.join(', ')}.`);
  return parts.join(' ');
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `^(a|b)$` for the allowed values of a string input. */
export function enumPattern(values: readonly string[]): string {
  return `^(${values.map(escapeRegExp).join('|')})$`;
}

function bodyDescription(op: ApiOperation): string {
  const body = op.body;
  if (body === undefined) return '';
  const head =
    body.description !== undefined ? oneLine(body.description).replace(/\.$/, '') : 'Request body';
  const fields = body.fields.map((f) => `${f.name} (${f.type}${f.required ? ', required' : ''})`);
  const mixed =
    body.mixed !== undefined
      ? ` One of: ${body.mixed.join(', ')} (only ${body.type === 'object' ? 'an object' : `a ${body.type}`} is accepted here).`
      : '';
  return fields.length > 0
    ? `${head} (JSON). Fields: ${fields.join(', ')}.${mixed}`
    : `${head} (JSON).${mixed}`;
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

  // Names: explicit operationIds first (in document order), so a generated name never takes one.
  const opNames = new Set<string>();
  const nameOf = new Map<ApiOperation, string>();
  const extraNotes = new Map<ApiOperation, string[]>();
  const noteOn = (op: ApiOperation, note: string): void => {
    extraNotes.set(op, [...(extraNotes.get(op) ?? []), note]);
  };
  for (const op of ops) {
    const wanted = kebab(op.operationId ?? '');
    if (wanted === '') continue;
    const name = unique(wanted, opNames);
    nameOf.set(op, name);
    if (name === fitName(wanted) && name !== wanted)
      noteOn(
        op,
        `operationId "${op.operationId}" is named ${name}: names are at most ${MAX_NAME} characters`,
      );
    else if (name !== wanted)
      noteOn(
        op,
        `duplicate operationId "${op.operationId}" renamed ${name}: another operation is already named ${fitName(wanted)}`,
      );
  }
  for (const op of ops) {
    if (nameOf.has(op)) continue;
    nameOf.set(op, unique(kebab(`${op.method} ${op.path}`) || 'operation', opNames));
  }
  for (const op of ops) {
    if (op.deprecated) noteOn(op, 'deprecated in the OpenAPI description');
    if (op.body?.mixed !== undefined)
      noteOn(
        op,
        `its request body is one of ${op.body.mixed.join(', ')}: typed ${op.body.type} (an input has one type), so other bodies are refused`,
      );
  }

  // Operations with their own `servers` go to a consumes namespace of their own per base URI.
  const namespaceOf = new Map<string, string>([[model.baseUri, namespace]]);
  const namespaces: string[] = [namespace];
  for (const op of ops) {
    const base = op.baseUri ?? model.baseUri;
    if (!namespaceOf.has(base)) {
      const ns = `${namespace}-server-${namespaces.length + 1}`;
      namespaceOf.set(base, ns);
      namespaces.push(ns);
    }
  }
  const consumedByNamespace = new Map<string, Json[]>(namespaces.map((ns) => [ns, []]));
  const consumedResourceNames = new Map<string, Set<string>>(
    namespaces.map((ns) => [ns, new Set<string>()]),
  );

  const resourceNames = new Set<string>();
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
    const consumedOpsByNs = new Map<string, Json[]>();
    const restOps: Json[] = [];
    for (const op of pathOps) {
      const name = nameOf.get(op) as string;
      const opNamespace = namespaceOf.get(op.baseUri ?? model.baseUri) as string;
      const notes = [...op.notes, ...(extraNotes.get(op) ?? [])];
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
      const stated = op.summary ?? op.description;
      const description =
        op.deprecated && stated !== undefined
          ? `${oneLine(stated)} (deprecated)`
          : op.deprecated
            ? `${op.method} ${path} (deprecated)`
            : stated;
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
      consumedOpsByNs.set(opNamespace, [...(consumedOpsByNs.get(opNamespace) ?? []), consumedOp]);

      const call = `${opNamespace}.${name}`;
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
        ...(p.source.enum !== undefined && p.source.type === 'string'
          ? { pattern: enumPattern(p.source.enum) }
          : {}),
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
    const allConsumed = [...consumedOpsByNs.values()].flat();
    const resourceDescription = `${path}: ${allConsumed.map((o) => String(o.name)).join(', ')}.`;
    for (const [ns, consumedOps] of consumedOpsByNs)
      (consumedByNamespace.get(ns) as Json[]).push({
        name: unique(resourceName, consumedResourceNames.get(ns) as Set<string>),
        path: consumedPath,
        operations: consumedOps,
      });
    restResources.push({
      name: resourceName,
      description: resourceDescription,
      path: consumedPath,
      operations: restOps,
    });
  }

  const consumesList: Json[] = [];
  for (const [base, ns] of namespaceOf) {
    const resources = consumedByNamespace.get(ns) as Json[];
    if (resources.length === 0 && ns !== namespace) continue;
    const entry: Json = {
      type: 'http',
      namespace: ns,
      description:
        ns === namespace
          ? oneLine(model.description ?? `${model.title}, imported from its OpenAPI description.`)
          : `${model.title}: the operations whose own \`servers\` name ${base}.`,
      baseUri: base,
      ...(auth.node !== undefined ? { authentication: { ...auth.node } } : {}),
      resources,
    };
    if (ns !== namespace)
      comments.set(entry, [
        `Operations with their own \`servers\` in the OpenAPI description: base URI ${base}.`,
      ]);
    consumesList.push(entry);
  }
  // Every operation may have its own servers: the main namespace may then have no resource.
  const consumes = consumesList.filter(
    (c) => (c.resources as Json[]).length > 0 || consumesList.length === 1,
  );
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
    document = { naftiko: SPEC_VERSION, info, consumes };
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
      capability: { consumes, exposes: [rest, mcp] },
    };
  }
  return { document, warnings, header, comments, variables: auth.variables };
}
