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
import type { MetricsRecorder, Observer } from '../../observability/metrics.js';
import { accessLog } from '../../observability/access-log.js';
import type { AccessSink } from '../../observability/access-log.js';
import { requestIdFrom } from '../../observability/request-context.js';
import type { RequestContext } from '../../observability/request-context.js';
import { tracer } from '../../observability/tracing.js';
import type { Tracer } from '../../observability/tracing.js';
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
  const call = (request: CallToolRequest, signal: AbortSignal, context: RequestContext) => {
    const tool = byName.get(request.params.name);
    if (tool === undefined) {
      throw new RpcError(RPC_INVALID_PARAMS, `unknown tool: ${request.params.name}`);
    }
    return callTool(
      tool,
      request.params.arguments ?? {},
      runtime,
      signal,
      options.onError,
      context,
    );
  };
  const instruments = toolInstruments(adapter.namespace, tools, byName);
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    instrumentedCall(instruments, request, extra.requestInfo?.headers, (context) =>
      call(request, extra.signal, context),
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

/** Metrics observers (per tool, resolved once), the tracer and the access log, when on. */
interface ToolInstruments {
  readonly recorder: MetricsRecorder;
  readonly tracer: Tracer;
  readonly adapter: string;
  readonly tools: ReadonlySet<string>;
  readonly observers: ReadonlyMap<string, Observer> | undefined;
  readonly unmatched: Observer | undefined;
  readonly tracing: Tracer | undefined;
  readonly log: AccessSink | undefined;
}

/**
 * Built once per compiled tool list (a stateless adapter creates a server per request): kept
 * while the recorder, tracer and access log in force are the same.
 */
const instrumentsByTools = new WeakMap<readonly CompiledTool[], ToolInstruments>();

function toolInstruments(
  adapter: string,
  list: readonly CompiledTool[],
  tools: ReadonlyMap<string, CompiledTool>,
): ToolInstruments {
  const recorder = metrics();
  const tracing = tracer();
  const cached = instrumentsByTools.get(list);
  if (
    cached !== undefined &&
    cached.recorder === recorder &&
    cached.tracer === tracing &&
    cached.log === accessLog()
  ) {
    return cached;
  }
  const built: ToolInstruments = {
    recorder,
    tracer: tracing,
    adapter,
    tools: new Set(tools.keys()),
    observers: recorder.enabled
      ? new Map(
          [...tools.keys()].map((name) => [name, recorder.requestObserver('mcp', adapter, name)]),
        )
      : undefined,
    unmatched: recorder.enabled ? recorder.requestObserver('mcp', adapter, UNMATCHED) : undefined,
    tracing: tracing.enabled ? tracing : undefined,
    log: accessLog(),
  };
  instrumentsByTools.set(list, built);
  return built;
}

/**
 * One `tools/call` with its request id (the HTTP `X-Request-Id` when usable, else a new one; sent
 * upstream), counted and timed (metrics on) by tool name with status `ok` or `error` (the
 * result's `isError`, or a JSON-RPC error) — an unknown tool is `unmatched`, never the name the
 * caller sent —, traced (tracing on) as a server span `tools/call <tool>` continuing the caller's
 * trace from the HTTP headers or, as MCP clients may send it, `params._meta`, and logged (access
 * log on).
 */
async function instrumentedCall(
  instruments: ToolInstruments,
  request: CallToolRequest,
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
  call: (context: RequestContext) => Promise<CallToolResult>,
): Promise<CallToolResult> {
  const { observers, tracing, log } = instruments;
  const timed = observers !== undefined || log !== undefined;
  const start = timed ? performance.now() : 0;
  const known = instruments.tools.has(request.params.name);
  const tool = known ? request.params.name : UNMATCHED;
  const span = tracing?.startServer(`tools/call ${tool}`, carrier(headers, request.params._meta), {
    'mcp.method.name': 'tools/call',
    'naftiko.adapter': instruments.adapter,
    'naftiko.adapter.type': 'mcp',
    'naftiko.operation': tool,
  });
  const context: RequestContext = {
    requestId: requestIdFrom(headers?.['x-request-id']),
    span,
    exchanges: log !== undefined ? [] : undefined,
  };
  let status = 'error';
  try {
    const result = await call(context);
    if (result.isError !== true) status = 'ok';
    return result;
  } finally {
    if (timed) {
      const ms = performance.now() - start;
      (known ? observers?.get(tool) : instruments.unmatched)?.observe(status, ms / 1000);
      log?.({
        adapterType: 'mcp',
        adapter: instruments.adapter,
        method: 'tools/call',
        route: `tools/call ${tool}`,
        operation: tool,
        status,
        durationMs: Math.round(ms * 1000) / 1000,
        requestId: context.requestId,
        traceId: span?.recording ? span.traceId : undefined,
        upstream: context.exchanges ?? [],
      });
    }
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
