/**
 * What a capability would serve (`naftiko inspect`), computed without starting anything: one
 * entry per REST operation (`METHOD path`, plus each REST adapter's `GET /openapi.json`), MCP
 * tool, resource and prompt, skill route and control endpoint, with
 *
 * - `upstream`: what answers it — a consumed operation (`call`, `namespace.operation`), the
 *   calls of an orchestrated operation (`steps`, scripts and lookups named as such), an aggregate
 *   function (`ref`, then its own call or steps), a `forward` to a consumes namespace, a `mock`
 *   (outputs with values, nothing called), a `file` (static MCP resource, prompt file), a
 *   `template` (inline prompt), or the engine itself (`engine`: OpenAPI, catalogue, control);
 * - `inputs`: the inputs the engine derives, exactly as the adapters do (the compiled
 *   invocation's inputs: declared ones, and the consumed parameters reached through `with`);
 * - `authentication`: the adapter's inbound scheme, or `none`.
 *
 * The JSON form (`--format json`) is this model as it is (see InspectModel); fields are only
 * ever added to it.
 */
import type { InputSpec } from '../engine/inputs.js';
import type { Runtime } from '../engine/runtime.js';
import { wantsMetrics } from '../observability/metrics.js';
import { wantsLocalTraces } from '../observability/tracing-config.js';
import type {
  AggregateFunction,
  ExposesAdapter,
  ExposesControl,
  ExposesMcp,
  ExposesRest,
  ExposesSkill,
  Invocable,
  OperationStep,
} from '../spec/types.js';

export interface InspectModel {
  readonly capability: { readonly file: string; readonly label?: string };
  readonly adapters: readonly InspectAdapter[];
  readonly entries: readonly InspectEntry[];
}

export interface InspectAdapter {
  readonly type: ExposesAdapter['type'];
  /** `control` for a control adapter (it has no namespace). */
  readonly namespace: string;
  /** Where it would listen (declared, else the engine's default); absent over stdio. */
  readonly address?: string;
  readonly port?: number;
  /** MCP only: `http` or `stdio`. */
  readonly transport?: 'http' | 'stdio';
  readonly authentication: string;
}

export type UpstreamMode =
  'call' | 'steps' | 'ref' | 'forward' | 'mock' | 'file' | 'template' | 'engine';

export interface InspectEntry {
  readonly adapter: string;
  readonly type: ExposesAdapter['type'];
  readonly kind: 'operation' | 'tool' | 'resource' | 'prompt' | 'route' | 'endpoint';
  /** `METHOD /path` for HTTP routes, the name (or URI) for MCP tools, resources and prompts. */
  readonly name: string;
  readonly upstream: {
    readonly mode: UpstreamMode;
    /** Consumed operations (`namespace.operation`), forward targets, functions, files. */
    readonly calls: readonly string[];
  };
  readonly inputs: readonly InspectInput[];
  readonly authentication: string;
}

export interface InspectInput {
  readonly name: string;
  readonly required: boolean;
  /** Where a REST caller sends it, when the engine fixes it (path, query, header, body...). */
  readonly in?: string;
  readonly type?: string;
}

export function inspectCapability(runtime: Runtime, file: string): InspectModel {
  const doc = runtime.capability.doc;
  const functions = new Map<string, AggregateFunction>();
  for (const aggregate of doc.capability?.aggregates ?? []) {
    for (const fn of aggregate.functions) functions.set(`${aggregate.namespace}.${fn.name}`, fn);
  }
  const adapters: InspectAdapter[] = [];
  const entries: InspectEntry[] = [];
  for (const adapter of doc.capability?.exposes ?? []) {
    const auth = adapter.authentication?.type ?? 'none';
    switch (adapter.type) {
      case 'rest':
        adapters.push(listening(adapter, '0.0.0.0', auth));
        entries.push(...restEntries(adapter, runtime, functions, auth));
        break;
      case 'mcp': {
        const stdio = adapter.transport === 'stdio';
        adapters.push({
          type: 'mcp',
          namespace: adapter.namespace,
          ...(stdio ? {} : { address: adapter.address ?? 'localhost', port: adapter.port ?? 0 }),
          transport: stdio ? 'stdio' : 'http',
          authentication: auth,
        });
        entries.push(...mcpEntries(adapter, runtime, functions, auth));
        break;
      }
      case 'skill':
        adapters.push(listening(adapter, '0.0.0.0', auth));
        entries.push(...skillEntries(adapter, auth));
        break;
      case 'control':
        adapters.push({
          type: 'control',
          namespace: 'control',
          address: adapter.address ?? 'localhost',
          port: adapter.port,
          authentication: auth,
        });
        entries.push(...controlEntries(adapter, auth));
        break;
    }
  }
  return {
    capability: { file, ...(doc.info?.label !== undefined ? { label: doc.info.label } : {}) },
    adapters,
    // The documented key order, whatever order the entries were built in.
    entries: entries.map((e) => ({
      adapter: e.adapter,
      type: e.type,
      kind: e.kind,
      name: e.name,
      upstream: e.upstream,
      inputs: e.inputs,
      authentication: e.authentication,
    })),
  };
}

function listening(
  adapter: ExposesRest | ExposesSkill,
  defaultAddress: string,
  authentication: string,
): InspectAdapter {
  return {
    type: adapter.type,
    namespace: adapter.namespace,
    address: adapter.address ?? defaultAddress,
    port: adapter.port,
    authentication,
  };
}

const METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function restEntries(
  adapter: ExposesRest,
  runtime: Runtime,
  functions: ReadonlyMap<string, AggregateFunction>,
  authentication: string,
): InspectEntry[] {
  const base = { adapter: adapter.namespace, type: 'rest' as const, authentication };
  const entries: InspectEntry[] = [];
  for (const resource of adapter.resources ?? []) {
    // Written as the adapter routes it: `{{x}}` placeholders as `{x}`.
    const path = resource.path.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, '{$1}');
    if (resource.forward) {
      entries.push({
        ...base,
        kind: 'operation',
        name: `${METHOD_ORDER.join('|')} ${path.replace(/\/$/, '')}/**`,
        upstream: { mode: 'forward', calls: [resource.forward.targetNamespace] },
        inputs: [],
      });
      continue;
    }
    for (const operation of resource.operations ?? []) {
      const inputParameters = [
        ...(resource.inputParameters ?? []),
        ...(operation.inputParameters ?? []),
      ];
      const invocation = runtime.invocation({ ...operation, inputParameters }, adapter.namespace);
      entries.push({
        ...base,
        kind: 'operation',
        name: `${operation.method ?? 'GET'} ${path}`,
        upstream: upstreamOf(operation, functions),
        inputs: invocation.inputs.map((i) => restInput(i, path)),
      });
    }
  }
  entries.push({
    ...base,
    kind: 'endpoint',
    name: 'GET /openapi.json',
    upstream: { mode: 'engine', calls: [] },
    inputs: [],
  });
  if (adapter.authentication?.type === 'oauth2') entries.push(protectedResource(base));
  return entries;
}

function protectedResource(base: {
  adapter: string;
  type: ExposesAdapter['type'];
  authentication: string;
}): InspectEntry {
  return {
    ...base,
    kind: 'endpoint',
    name: 'GET /.well-known/oauth-protected-resource',
    upstream: { mode: 'engine', calls: [] },
    inputs: [],
  };
}

/** Where a REST caller sends an input: as buildOpenApi describes it. */
function restInput(input: InputSpec, path: string): InspectInput {
  const where =
    input.in ??
    (input.name === 'body' ? 'body' : path.includes(`{${input.name}}`) ? 'path' : 'query');
  return {
    name: input.name,
    required: where === 'path' ? true : input.required,
    in: where,
    ...(input.type !== undefined ? { type: input.type } : {}),
  };
}

function plainInput(input: InputSpec): InspectInput {
  return {
    name: input.name,
    required: input.required,
    ...(input.type !== undefined ? { type: input.type } : {}),
  };
}

function upstreamOf(
  unit: Invocable & { ref?: string },
  functions: ReadonlyMap<string, AggregateFunction>,
): InspectEntry['upstream'] {
  if (unit.ref !== undefined) {
    const fn = functions.get(unit.ref);
    const inner = fn !== undefined ? upstreamOf(fn, functions) : undefined;
    return { mode: 'ref', calls: [unit.ref, ...(inner?.calls ?? [])] };
  }
  if (unit.steps?.length) return { mode: 'steps', calls: unit.steps.map(stepName) };
  if (unit.call !== undefined) return { mode: 'call', calls: [unit.call] };
  return { mode: 'mock', calls: [] };
}

function stepName(step: OperationStep): string {
  switch (step.type) {
    case 'call':
      return step.call;
    case 'lookup':
      return `lookup ${step.index}`;
    case 'script':
      return `script ${step.file}`;
  }
}

function mcpEntries(
  adapter: ExposesMcp,
  runtime: Runtime,
  functions: ReadonlyMap<string, AggregateFunction>,
  authentication: string,
): InspectEntry[] {
  const base = { adapter: adapter.namespace, type: 'mcp' as const, authentication };
  const entries: InspectEntry[] = [];
  for (const tool of adapter.tools ?? []) {
    const name = tool.name ?? (tool.ref ?? '').slice((tool.ref ?? '').indexOf('.') + 1);
    entries.push({
      ...base,
      kind: 'tool',
      name,
      upstream: upstreamOf(tool, functions),
      inputs: runtime.invocation(tool, adapter.namespace).inputs.map(plainInput),
    });
  }
  for (const resource of adapter.resources ?? []) {
    if (resource.location !== undefined) {
      entries.push({
        ...base,
        kind: 'resource',
        name: resource.uri,
        upstream: { mode: 'file', calls: [resource.location] },
        inputs: [],
      });
      continue;
    }
    entries.push({
      ...base,
      kind: 'resource',
      name: resource.uri,
      upstream: upstreamOf(resource, functions),
      inputs: runtime.invocation(resource, adapter.namespace).inputs.map(plainInput),
    });
  }
  for (const prompt of adapter.prompts ?? []) {
    entries.push({
      ...base,
      kind: 'prompt',
      name: prompt.name,
      upstream:
        prompt.location !== undefined
          ? { mode: 'file', calls: [prompt.location] }
          : { mode: 'template', calls: [] },
      inputs: (prompt.arguments ?? []).map((a) => ({
        name: a.name,
        required: a.required ?? true,
      })),
    });
  }
  if (adapter.transport !== 'stdio' && adapter.authentication?.type === 'oauth2') {
    entries.push(protectedResource(base));
  }
  return entries;
}

function skillEntries(adapter: ExposesSkill, authentication: string): InspectEntry[] {
  const base = { adapter: adapter.namespace, type: 'skill' as const, authentication };
  const route = (
    name: string,
    inputs: InspectInput[] = [],
    upstream: InspectEntry['upstream'] = { mode: 'engine', calls: [] },
  ): InspectEntry => ({ ...base, kind: 'route', name, upstream, inputs });
  const entries = [route('GET /skills')];
  for (const skill of adapter.skills) {
    const tools = (skill.tools ?? []).flatMap((t) =>
      t.from !== undefined ? [`${t.from.sourceNamespace}.${t.from.action}`] : [],
    );
    entries.push(route(`GET /skills/${skill.name}`, [], { mode: 'engine', calls: tools }));
    // Its folder's routes answer 404 without a `location`: listed only with one.
    if (skill.location === undefined) continue;
    const file = { mode: 'file' as const, calls: [skill.location] };
    entries.push(route(`GET /skills/${skill.name}/contents`, [], file));
    entries.push(
      route(
        `GET /skills/${skill.name}/contents/{file}`,
        [{ name: 'file', required: true, in: 'path' }],
        file,
      ),
    );
    entries.push(route(`GET /skills/${skill.name}/download`, [], file));
  }
  return entries;
}

function controlEntries(adapter: ExposesControl, authentication: string): InspectEntry[] {
  const base = { adapter: 'control', type: 'control' as const, authentication };
  const endpoint = (name: string, inputs: InspectInput[] = []): InspectEntry => ({
    ...base,
    kind: 'endpoint',
    name,
    upstream: { mode: 'engine', calls: [] },
    inputs,
  });
  const management = adapter.management ?? {};
  const entries: InspectEntry[] = [];
  if (management.health !== false) {
    entries.push(endpoint('GET /health/live'), endpoint('GET /health/ready'));
  }
  if (management.info === true) entries.push(endpoint('GET /status'));
  if (wantsMetrics(adapter)) entries.push(endpoint('GET /metrics'));
  if (wantsLocalTraces(adapter)) {
    entries.push(
      endpoint('GET /traces', [
        { name: 'operation', required: false, in: 'query' },
        { name: 'status', required: false, in: 'query' },
        { name: 'limit', required: false, in: 'query' },
      ]),
      endpoint('GET /traces/{id}', [{ name: 'id', required: true, in: 'path' }]),
    );
  }
  return entries;
}
