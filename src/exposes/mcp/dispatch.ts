/**
 * The MCP methods of one `type: mcp` adapter, for both eras and every transport (contract §8;
 * docs/design/mcp-next.md §5): the engine's own JSON-RPC dispatcher, no SDK at run time.
 *
 * A transport parses and checks a message (jsonrpc.ts, era.ts), then asks `handle` for its
 * result with a `RequestScope` (era, cancellation signal, where notifications about the request
 * go, the client's log level, the legacy connection). Handlers throw `RpcError` for JSON-RPC
 * errors; anything else is an internal error. Modern results are decorated by `decorate`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
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
import { compileCompletions } from './completion.js';
import type { CompiledCompletions } from './completion.js';
import type { Era } from './era.js';
import {
  LATEST_LEGACY_VERSION,
  LEGACY_VERSIONS,
  META_SERVER_INFO,
  META_SUBSCRIPTION_ID,
  MODERN_VERSIONS,
} from './era.js';
import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  METHOD_NOT_FOUND,
  notification,
  resultResponse,
} from './jsonrpc.js';
import type { ErrorObject, Params, RpcId } from './jsonrpc.js';
import { isLogLevel, toolCallEvents } from './logging.js';
import type { LogLevel, Notify } from './logging.js';
import { compilePrompts } from './prompts.js';
import type { CompiledPrompts } from './prompts.js';
import { compileResources } from './resources.js';
import type { CompiledResources } from './resources.js';
import { RpcError } from './rpc-error.js';
import { createResourceWatch, honouredUris } from './subscriptions.js';
import type { ResourceWatch } from './subscriptions.js';
import { compileTools } from './tool-definitions.js';
import type { CompiledTool } from './tool-definitions.js';

export type { Notify } from './logging.js';

/** What an adapter serves, compiled once per build and shared by every request and session. */
export interface McpUnits {
  readonly tools: readonly CompiledTool[];
  readonly resources: CompiledResources;
  readonly prompts: CompiledPrompts;
  readonly completions: CompiledCompletions;
}

export function compileUnits(adapter: ExposesMcp, runtime: Runtime): McpUnits {
  const tools = compileTools(adapter, runtime);
  const resources = compileResources(adapter, runtime);
  const prompts = compilePrompts(adapter, runtime);
  return {
    tools,
    resources,
    prompts,
    completions: compileCompletions(adapter, resources, prompts),
  };
}

/**
 * The state a 2025-11-25 client builds up: a session (HTTP), the connection (stdio), or, for a
 * stateless HTTP request, nothing that outlives it.
 */
export interface Connection {
  /** The least level of the log notifications the client wants (`logging/setLevel`). */
  logLevel: LogLevel | undefined;
  /** Resource URI → stops watching it (`resources/subscribe`). */
  readonly subscriptions: Map<string, () => void>;
  /** Where notifications that belong to no request go (the GET stream, stdout); else dropped. */
  push: Notify | undefined;
  /** Requests in progress, by id (`notifications/cancelled`). */
  readonly inflight: InflightTable;
}

/**
 * A connection's requests in progress, by JSON-RPC id, for `notifications/cancelled`. A small
 * unordered array: a Map that sees a new key for every request and drops it at once keeps
 * rebuilding its hash table, which measured ~15 µs a request in a long-lived session.
 */
export class InflightTable {
  readonly #ids: RpcId[] = [];
  readonly #handles: { abort(): void }[] = [];

  add(id: RpcId, handle: { abort(): void }): void {
    this.#ids.push(id);
    this.#handles.push(handle);
  }

  /** The handle of the request with this id (the latest, if a client reused an id). */
  get(id: RpcId): { abort(): void } | undefined {
    const i = this.#ids.lastIndexOf(id);
    return i < 0 ? undefined : this.#handles[i];
  }

  /** Forgets `handle` (the last entry takes its place). */
  remove(handle: { abort(): void }): void {
    const i = this.#handles.lastIndexOf(handle);
    if (i < 0) return;
    const last = this.#ids.length - 1;
    this.#ids[i] = this.#ids[last] as RpcId;
    this.#handles[i] = this.#handles[last] as { abort(): void };
    this.#ids.pop();
    this.#handles.pop();
  }

  abortAll(): void {
    const handles = this.#handles.splice(0);
    this.#ids.length = 0;
    for (const handle of handles) handle.abort();
  }
}

export function newConnection(push?: Notify): Connection {
  return { logLevel: undefined, subscriptions: new Map(), push, inflight: new InflightTable() };
}

/** Ends what a connection holds: its watches and its requests in progress. */
export function closeConnection(connection: Connection): void {
  for (const stop of connection.subscriptions.values()) stop();
  connection.subscriptions.clear();
  connection.inflight.abortAll();
  connection.push = undefined;
}

export interface RequestScope {
  readonly era: Era;
  readonly signal: AbortSignal;
  /** The HTTP request's headers (trace context, request id), when there is one. */
  readonly headers?: IncomingHttpHeaders | undefined;
  /** Where notifications about this request go (progress, log messages); undefined: nowhere. */
  readonly notify?: Notify | undefined;
  /** Modern: the request's `io.modelcontextprotocol/logLevel`, as sent. */
  readonly logLevel?: unknown;
  /** Legacy: the session or connection. */
  readonly connection?: Connection | undefined;
}

export interface DispatcherOptions {
  /** Unexpected errors of a tool call (engine bugs), for logging. */
  readonly onError?: ((err: unknown) => void) | undefined;
  /** Static resource files can be watched for subscribers (HTTP listen streams, stdio). */
  readonly subscriptions?: boolean;
  /**
   * 2025-11-25 clients may `resources/subscribe` (default true): false for a stateless HTTP
   * adapter, which has no session stream for the updates to travel on.
   */
  readonly legacySubscriptions?: boolean;
}

export interface Dispatcher {
  readonly units: McpUnits;
  readonly capabilities: Params;
  /** Whether `method` is served in `era` (else -32601). Transport-level methods excluded. */
  supports(method: string, era: Era): boolean;
  handle(method: string, params: Params | undefined, scope: RequestScope): Promise<Params>;
  /** The result of a 2025-11-25 `initialize`. */
  initialize(params: Params | undefined): Params;
  /** Adds the 2026-07-28 result fields to `result` (in place) and returns it. */
  decorate(method: string, result: Params): Params;
  /** Watches static resource files for subscribers; undefined when nothing can be watched. */
  readonly watch: ResourceWatch | undefined;
  /**
   * Starts a 2026-07-28 `subscriptions/listen` whose `params` passed `listenFilterError`: sends
   * the acknowledgement, then each change of the honoured resources (`key`: the URI, for
   * coalescing), all tagged with the listen's id. `stop()` ends the watches; `result` is the
   * response that ends the listen gracefully.
   */
  listen(
    id: RpcId,
    params: Params | undefined,
    send: (message: unknown, key?: string) => void,
  ): { stop(): void; readonly result: unknown };
  /** Stops every file watcher. */
  close(): void;
}

/** Results a client may cache (2026-07-28 `CacheableResult`). */
const CACHEABLE = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'server/discover',
]);

/** Lists and discovery change only with a new build of the capability (hot reload). */
const LIST_TTL_MS = 60_000;

export function createDispatcher(
  adapter: ExposesMcp,
  runtime: Runtime,
  units: McpUnits,
  options: DispatcherOptions = {},
): Dispatcher {
  const { tools, resources, prompts, completions } = units;
  const byName = new Map(tools.map((t) => [t.definition.name, t]));
  const definitions = tools.map((t) => t.definition);
  const watch =
    options.subscriptions && (adapter.resources ?? []).some((r) => r.location !== undefined)
      ? createResourceWatch(resources)
      : undefined;
  const legacySubscriptions = watch !== undefined && options.legacySubscriptions !== false;
  const capabilitiesWith = (subscribe: boolean): Params => ({
    tools: {},
    ...(resources.present ? { resources: subscribe ? { subscribe: true } : {} } : {}),
    ...(prompts.present ? { prompts: {} } : {}),
    ...(completions.present ? { completions: {} } : {}),
    logging: {},
  });
  /** `server/discover`: updates come on `subscriptions/listen`, whenever files can be watched. */
  const capabilities = capabilitiesWith(watch !== undefined);
  const legacyCapabilities = capabilitiesWith(legacySubscriptions);
  const serverInfo = { name: adapter.namespace, version: packageVersion() };
  // Answers that depend on who asks (inbound authentication) must not be shared by caches.
  const scope = adapter.authentication !== undefined ? 'private' : 'public';

  const common = new Set(['tools/list', 'tools/call']);
  if (resources.present) {
    for (const m of ['resources/list', 'resources/templates/list', 'resources/read']) common.add(m);
  }
  if (prompts.present) for (const m of ['prompts/list', 'prompts/get']) common.add(m);
  if (completions.present) common.add('completion/complete');
  const legacyOnly = new Set(['ping', 'logging/setLevel']);
  if (legacySubscriptions)
    for (const m of ['resources/subscribe', 'resources/unsubscribe']) legacyOnly.add(m);
  const modernOnly = new Set(['server/discover']);

  const instruments = () => toolInstruments(adapter.namespace, tools, byName);

  async function handle(
    method: string,
    params: Params | undefined,
    s: RequestScope,
  ): Promise<Params> {
    switch (method) {
      case 'tools/list':
        return { tools: definitions };
      case 'tools/call':
        return callOne(params, s);
      case 'resources/list':
        return { resources: await resources.list() };
      case 'resources/templates/list':
        return { resourceTemplates: [...resources.templates] };
      case 'resources/read':
        return readResource(stringParam(params, 'uri'), s.signal);
      case 'prompts/list':
        return { prompts: [...prompts.definitions] };
      case 'prompts/get':
        return (await prompts.get(
          stringParam(params, 'name'),
          stringRecord(params?.['arguments'], 'arguments'),
        )) as unknown as Params;
      case 'completion/complete':
        return (await completions.complete(params)) as unknown as Params;
      case 'ping':
        return {};
      case 'logging/setLevel': {
        const level = params?.['level'];
        if (!isLogLevel(level))
          throw new RpcError(INVALID_PARAMS, `invalid log level: ${String(level)}`);
        if (s.connection !== undefined) s.connection.logLevel = level;
        return {};
      }
      case 'resources/subscribe':
        return subscribe(stringParam(params, 'uri'), s.connection);
      case 'resources/unsubscribe': {
        const uri = stringParam(params, 'uri');
        s.connection?.subscriptions.get(uri)?.();
        s.connection?.subscriptions.delete(uri);
        return {};
      }
      case 'server/discover':
        return {
          supportedVersions: [...MODERN_VERSIONS],
          capabilities,
          ...(adapter.description !== undefined ? { instructions: adapter.description } : {}),
        };
      default:
        throw new RpcError(METHOD_NOT_FOUND, `Method not found: ${method}`);
    }
  }

  /** A resource; not found is -32602 with the uri (2026-07-28, SEP-2164; fine for 2025 too). */
  async function readResource(uri: string, signal: AbortSignal): Promise<Params> {
    try {
      return (await resources.read(uri, signal)) as unknown as Params;
    } catch (err) {
      if (err instanceof RpcError && err.code === INVALID_PARAMS && err.data === undefined) {
        throw new RpcError(err.code, err.detail, { uri });
      }
      throw err;
    }
  }

  function subscribe(uri: string, connection: Connection | undefined): Params {
    if (watch === undefined || !watch.subscribable(uri)) {
      throw new RpcError(INVALID_PARAMS, `resource cannot be subscribed to: ${uri}`, { uri });
    }
    // A stateless request has no connection to notify later: accepted, nothing to keep.
    if (connection !== undefined && !connection.subscriptions.has(uri)) {
      connection.subscriptions.set(
        uri,
        watch.watch(uri, (changed) =>
          connection.push?.('notifications/resources/updated', { uri: changed }),
        ),
      );
    }
    return {};
  }

  function callOne(params: Params | undefined, s: RequestScope): Promise<Params> {
    const name = stringParam(params, 'name');
    const args = params?.['arguments'];
    if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
      throw new RpcError(INVALID_PARAMS, 'arguments must be an object');
    }
    const meta = params?.['_meta'] as Params | undefined;
    const tool = byName.get(name);
    return instrumentedCall(instruments(), name, s.headers, meta, async (context) => {
      if (tool === undefined) throw new RpcError(INVALID_PARAMS, `unknown tool: ${name}`);
      const level = s.era === 'modern' ? s.logLevel : s.connection?.logLevel;
      const token = meta?.['progressToken'];
      const events =
        s.notify === undefined
          ? undefined
          : toolCallEvents({
              adapter: adapter.namespace,
              tool: name,
              logLevel: isLogLevel(level) ? level : undefined,
              progressToken:
                typeof token === 'string' || typeof token === 'number' ? token : undefined,
              notify: s.notify,
              redact: runtime.redact,
            });
      const withEvents: RequestContext =
        events === undefined ? context : { ...context, events: events.events };
      events?.start();
      const result = await callTool(
        tool,
        (args ?? {}) as Record<string, unknown>,
        runtime,
        s.signal,
        options.onError,
        withEvents,
      );
      events?.end(result.isError === true);
      return result;
    }) as Promise<Params>;
  }

  return {
    units,
    capabilities,
    watch,
    supports(method, era) {
      return common.has(method) || (era === 'legacy' ? legacyOnly : modernOnly).has(method);
    },
    handle,
    initialize(params) {
      const requested = params?.['protocolVersion'];
      const protocolVersion =
        typeof requested === 'string' && LEGACY_VERSIONS.includes(requested)
          ? requested
          : LATEST_LEGACY_VERSION;
      return {
        protocolVersion,
        capabilities: legacyCapabilities,
        serverInfo,
        ...(adapter.description !== undefined ? { instructions: adapter.description } : {}),
      };
    },
    decorate(method, result) {
      result['resultType'] = 'complete';
      if (CACHEABLE.has(method)) {
        // A resource read may hit the upstream (dynamic) or a watched file: always revalidate.
        result['ttlMs'] = method === 'resources/read' ? 0 : LIST_TTL_MS;
        result['cacheScope'] = method === 'resources/read' ? 'private' : scope;
      }
      const meta = result['_meta'];
      result['_meta'] =
        meta !== null && typeof meta === 'object'
          ? { ...(meta as Params), [META_SERVER_INFO]: serverInfo }
          : { [META_SERVER_INFO]: serverInfo };
      return result;
    },
    listen(id, params, send) {
      const filter = params?.['notifications'] as Params;
      const honoured = honouredUris(filter['resourceSubscriptions'], watch);
      const tag = { [META_SUBSCRIPTION_ID]: id };
      // Lists change only with a new build, which ends the listen: nothing else to promise.
      send(
        notification('notifications/subscriptions/acknowledged', {
          _meta: tag,
          notifications: honoured.length > 0 ? { resourceSubscriptions: honoured } : {},
        }),
      );
      const stops = honoured.map((uri) =>
        watch!.watch(uri, (changed) =>
          send(
            notification('notifications/resources/updated', { uri: changed, _meta: tag }),
            changed,
          ),
        ),
      );
      return {
        stop: () => {
          for (const stop of stops.splice(0)) stop();
        },
        result: resultResponse(id, this.decorate('subscriptions/listen', { _meta: tag })),
      };
    },
    close() {
      watch?.close();
    },
  };
}

/** Why a `subscriptions/listen` is refused in-band (its filter is not an object), if it is. */
export function listenFilterError(params: Params | undefined): ErrorObject | undefined {
  const filter = params?.['notifications'];
  return filter === null || typeof filter !== 'object' || Array.isArray(filter)
    ? { code: INVALID_PARAMS, message: 'params.notifications must be an object' }
    : undefined;
}

export function methodNotFound(method: string): ErrorObject {
  return { code: METHOD_NOT_FOUND, message: `Method not found: ${method}` };
}

/** A thrown error as a JSON-RPC error: `RpcError`s as they are, anything else internal. */
export function rpcErrorOf(
  err: unknown,
  onError: ((err: unknown) => void) | undefined,
): ErrorObject {
  if (err instanceof RpcError) {
    return err.data === undefined
      ? { code: err.code, message: err.detail }
      : { code: err.code, message: err.detail, data: err.data };
  }
  onError?.(err);
  return { code: INTERNAL_ERROR, message: 'Internal error' };
}

function stringParam(params: Params | undefined, key: string): string {
  const value = params?.[key];
  if (typeof value !== 'string')
    throw new RpcError(INVALID_PARAMS, `params.${key} must be a string`);
  return value;
}

function stringRecord(value: unknown, key: string): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RpcError(INVALID_PARAMS, `params.${key} must be an object`);
  }
  for (const v of Object.values(value)) {
    if (typeof v !== 'string')
      throw new RpcError(INVALID_PARAMS, `params.${key} values must be strings`);
  }
  return value as Record<string, string>;
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

/** Built once per compiled tool list: kept while the recorder, tracer and access log are the same. */
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
  name: string,
  headers: IncomingHttpHeaders | undefined,
  meta: Params | undefined,
  call: (context: RequestContext) => Promise<CallToolResult>,
): Promise<CallToolResult> {
  const { observers, tracing, log } = instruments;
  const timed = observers !== undefined || log !== undefined;
  const start = timed ? performance.now() : 0;
  const known = instruments.tools.has(name);
  const tool = known ? name : UNMATCHED;
  const span = tracing?.startServer(`tools/call ${tool}`, carrier(headers, meta), {
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
  headers: IncomingHttpHeaders | undefined,
  meta: Params | undefined,
): Readonly<Record<string, string | string[] | undefined>> {
  if (headers?.['traceparent'] !== undefined || typeof meta?.['traceparent'] !== 'string') {
    return headers ?? {};
  }
  return {
    traceparent: meta['traceparent'],
    ...(typeof meta['tracestate'] === 'string' ? { tracestate: meta['tracestate'] } : {}),
  };
}
