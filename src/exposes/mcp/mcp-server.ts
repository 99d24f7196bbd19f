/**
 * The MCP server of one `type: mcp` adapter, transport-agnostic (contract §8): the SDK's
 * low-level `Server`, named after the adapter namespace, with the adapter description as
 * `instructions`, answering `tools/list` with the compiled definitions and `tools/call` through
 * `callTool`. An unknown tool is a JSON-RPC error -32602 (invalid params). Resources and
 * prompts (`resources.ts`, `prompts.ts`) are advertised and answered only when declared.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Runtime } from '../../engine/runtime.js';
import { UNMATCHED, metrics } from '../../observability/metrics.js';
import type { Observer } from '../../observability/metrics.js';
import { tracer } from '../../observability/tracing.js';
import type { Span, Tracer } from '../../observability/tracing.js';
import { packageVersion } from '../../package-info.js';
import type { ExposesMcp } from '../../spec/types.js';
import { callTool } from './call-tool.js';
import { compilePrompts } from './prompts.js';
import type { CompiledPrompts } from './prompts.js';
import { compileResources } from './resources.js';
import type { CompiledResources } from './resources.js';
import { RPC_INVALID_PARAMS, RpcError } from './rpc-error.js';
import { compileTools } from './tool-definitions.js';
import type { CompiledTool } from './tool-definitions.js';

export interface McpServerOptions {
  /** Tools compiled once (`compileTools`) and shared by every server of the adapter. */
  readonly tools?: readonly CompiledTool[];
  /** Resources compiled once (`compileResources`); compiled per server otherwise. */
  readonly resources?: CompiledResources;
  /** Prompts compiled once (`compilePrompts`); compiled per server otherwise. */
  readonly prompts?: CompiledPrompts;
  /** Unexpected errors of a tool call (engine bugs), for logging. */
  readonly onError?: (err: unknown) => void;
}

/**
 * The SDK's `Server` validates elicitation answers with a JSON Schema validator, and builds an
 * Ajv instance for it in its constructor unless given one: about a fifth of the CPU of a
 * stateless request, where every request has its own server. This engine never elicits; one
 * validator, built on first use, serves every server.
 */
let ajvValidator: AjvJsonSchemaValidator | undefined;
const sharedValidator: jsonSchemaValidator = {
  getValidator: (schema) => (ajvValidator ??= new AjvJsonSchemaValidator()).getValidator(schema),
};

export function createMcpServer(
  adapter: ExposesMcp,
  runtime: Runtime,
  options: McpServerOptions = {},
): Server {
  const tools = options.tools ?? compileTools(adapter, runtime);
  const byName = new Map(tools.map((t) => [t.definition.name, t]));
  const definitions = tools.map((t) => t.definition);
  const resources = options.resources ?? compileResources(adapter, runtime);
  const prompts = options.prompts ?? compilePrompts(adapter, runtime);
  const server = new Server(
    { name: adapter.namespace, version: packageVersion() },
    {
      capabilities: {
        tools: {},
        ...(resources.present ? { resources: {} } : {}),
        ...(prompts.present ? { prompts: {} } : {}),
      },
      ...(adapter.description !== undefined ? { instructions: adapter.description } : {}),
      jsonSchemaValidator: sharedValidator,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: definitions }));
  const call = (request: CallToolRequest, signal: AbortSignal, span?: Span) => {
    const tool = byName.get(request.params.name);
    if (tool === undefined) {
      throw new RpcError(RPC_INVALID_PARAMS, `unknown tool: ${request.params.name}`);
    }
    return callTool(tool, request.params.arguments ?? {}, runtime, signal, options.onError, span);
  };
  const instruments = toolInstruments(adapter.namespace, byName);
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    instruments === undefined
      ? call(request, extra.signal)
      : instrumentedCall(instruments, request, extra.requestInfo?.headers, (span) =>
          call(request, extra.signal, span),
        ),
  );
  if (resources.present) {
    server.setRequestHandler(ListResourcesRequestSchema, async () => ({
      resources: await resources.list(),
    }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
      resourceTemplates: [...resources.templates],
    }));
    server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
      resources.read(request.params.uri, extra.signal),
    );
  }
  if (prompts.present) {
    server.setRequestHandler(ListPromptsRequestSchema, () => ({
      prompts: [...prompts.definitions],
    }));
    server.setRequestHandler(GetPromptRequestSchema, (request) =>
      prompts.get(request.params.name, request.params.arguments ?? {}),
    );
  }
  return server;
}

/** Metrics observers (per tool, resolved once) and the tracer, when either is on. */
interface ToolInstruments {
  readonly adapter: string;
  readonly observers: ReadonlyMap<string, Observer> | undefined;
  readonly unmatched: Observer | undefined;
  readonly tracing: Tracer | undefined;
}

function toolInstruments(
  adapter: string,
  tools: ReadonlyMap<string, CompiledTool>,
): ToolInstruments | undefined {
  const recorder = metrics();
  const tracing = tracer();
  if (!recorder.enabled && !tracing.enabled) return undefined;
  return {
    adapter,
    observers: recorder.enabled
      ? new Map(
          [...tools.keys()].map((name) => [name, recorder.requestObserver('mcp', adapter, name)]),
        )
      : undefined,
    unmatched: recorder.enabled ? recorder.requestObserver('mcp', adapter, UNMATCHED) : undefined,
    tracing: tracing.enabled ? tracing : undefined,
  };
}

/**
 * A `tools/call` counted and timed (metrics on), labelled by tool name with status `ok` or
 * `error` (the result's `isError`, or a JSON-RPC error); an unknown tool is `unmatched`, never
 * the name the caller sent. Traced (tracing on) as a server span `tools/call <tool>`, continuing
 * the caller's trace from the HTTP headers or, as MCP clients may send it, `params._meta`.
 */
async function instrumentedCall(
  instruments: ToolInstruments,
  request: CallToolRequest,
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
  call: (span?: Span) => Promise<CallToolResult>,
): Promise<CallToolResult> {
  const start = performance.now();
  const name = request.params.name;
  const known = instruments.observers?.has(name) ?? true;
  const observer = known ? instruments.observers?.get(name) : instruments.unmatched;
  let span: Span | undefined;
  if (instruments.tracing !== undefined) {
    span = instruments.tracing.startServer(
      `tools/call ${known ? name : UNMATCHED}`,
      carrier(headers, request.params._meta),
      {
        'mcp.method.name': 'tools/call',
        'naftiko.adapter': instruments.adapter,
        'naftiko.adapter.type': 'mcp',
        'naftiko.operation': known ? name : UNMATCHED,
      },
    );
  }
  let status = 'error';
  try {
    const result = await call(span);
    if (result.isError !== true) status = 'ok';
    return result;
  } finally {
    observer?.observe(status, (performance.now() - start) / 1000);
    span?.end(status === 'error' ? 'tool_error' : undefined);
  }
}

/** The propagation headers of a call: HTTP headers, else `_meta.traceparent`/`tracestate`. */
function carrier(
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
  meta: Record<string, unknown> | undefined,
): Readonly<Record<string, string | string[] | undefined>> {
  if (headers?.['traceparent'] !== undefined || typeof meta?.['traceparent'] !== 'string') {
    return headers ?? {};
  }
  return {
    traceparent: meta['traceparent'],
    ...(typeof meta['tracestate'] === 'string' ? { tracestate: meta['tracestate'] } : {}),
  };
}
