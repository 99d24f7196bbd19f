/**
 * The Streamable HTTP transport of an MCP adapter (contract §8, MCP 2025-11-25 "Streamable
 * HTTP"): a fastify server on the adapter's address (localhost unless it says otherwise) whose
 * `/mcp` and `/` routes (POST, GET, DELETE) are handed to the SDK's transport. Sessions by
 * default — one transport and one `Server` per session, all sharing the tools compiled at load —
 * or stateless (a fresh pair per request) for scale-out. Host and Origin are checked first.
 * Sessions are bounded in number and idle time (session-table.ts); the app's inbound limits
 * (URL, head size, rate) answer in JSON-RPC (http-limits.ts).
 *
 * The SDK itself (its server, its Node transport and the zod schemas of the protocol, about
 * 20 MB of memory and 60 ms of start-up) is loaded by the first request that needs it, so a
 * capability whose MCP adapter is not used does not pay for it.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../../engine/runtime.js';
import type { ExposesMcp } from '../../spec/types.js';
import { replaceable } from '../adapter.js';
import type { AppGeneration, ListenOptions, RunningAdapter } from '../adapter.js';
import { principalOf } from '../auth/guard.js';
import type { RefusalEvent } from '../auth/guard.js';
import { adapterAuthenticator, mountDeclaredAuth } from '../auth/adapter-auth.js';
import type { InboundAuthenticator } from '../auth/inbound-auth.js';
import { createHttpApp } from '../http-app.js';
import { standingResponse } from '../http-limits.js';
import type { HttpLimits } from '../http-limits.js';
import { listenOn, listeningPort } from '../listen.js';
import type { createMcpServer as CreateMcpServer } from './mcp-server.js';
import { compilePrompts } from './prompts.js';
import { compileResources } from './resources.js';
import { requestGuard } from './request-guard.js';
import { DEFAULT_SESSION_LIMITS, createSessionTable } from './session-table.js';
import type { Claim } from './session-table.js';
import { compileTools } from './tool-definitions.js';

export interface McpHttpOptions extends ListenOptions {
  /** No sessions: every request gets its own transport and server (default false). */
  readonly stateless?: boolean;
  /** Largest accepted request body, in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  readonly onError?: (err: unknown) => void;
  /** The adapter's compiled inbound authentication (compiled here when absent). */
  readonly authenticator?: InboundAuthenticator;
  readonly onRefused?: (event: RefusalEvent) => void;
  /** Reports a problem that does not stop the adapter (e.g. OAuth 2.0 discovery failing). */
  readonly onWarning?: (event: string, message: string) => void;
  /** Most sessions open at once (default 1,000); past it `initialize` is answered 503. */
  readonly maxSessions?: number | undefined;
  /** A session unused this long is closed, in milliseconds (default 15 minutes). */
  readonly sessionIdleMs?: number | undefined;
  /** Inbound URL, head and rate limits (else those of `naftiko run`, else the defaults). */
  readonly limits?: Partial<HttpLimits> | undefined;
}

/** A running MCP-over-HTTP adapter, which also tells how many sessions are open. */
export interface RunningMcpHttpAdapter extends RunningAdapter {
  readonly sessionCount: () => number;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: Server;
  /** Who opened it, when the adapter's scheme tells callers apart (OAuth 2.0 issuer + subject). */
  readonly principal: string | undefined;
}

export const MCP_PATHS = ['/mcp', '/'];

export async function startMcpHttpAdapter(
  adapter: ExposesMcp,
  runtime: Runtime,
  options: McpHttpOptions = {},
): Promise<RunningMcpHttpAdapter> {
  const host = options.address ?? adapter.address ?? 'localhost';
  // The schema requires `port` for the http transport; 0 (any free port) is only a fallback.
  const port = options.port ?? adapter.port ?? 0;
  // The Host check compares with the port the first build's server listens on.
  const listening = () => listeningPort(app, port);
  const first = await mcpGeneration(adapter, runtime, options, host, listening);
  let current = first;
  const app = first.app;
  const base = await listenOn(app, `MCP adapter "${adapter.namespace}"`, host, port);
  return replaceable(
    {
      type: 'mcp',
      namespace: adapter.namespace,
      url: `${base}/mcp`,
      sessionCount: () => current.sessions.size,
      async stop(graceMs = 10_000) {
        // New requests get 503; in-flight tool calls may finish; then sessions (and their
        // long-lived SSE streams) are closed, and the server with them.
        await first.retire(graceMs);
        app.server.closeIdleConnections();
        const cut = setTimeout(() => app.server.closeAllConnections(), 100).unref();
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
      },
    },
    first,
    // A new build starts with no sessions: those of the old one end once their requests in
    // progress have finished, and their ids then answer 404, upon which MCP clients initialize
    // again (MCP 2025-11-25, session management) and see the new version.
    async (next, nextRuntime, nextOptions) =>
      (current = await mcpGeneration(
        next as ExposesMcp,
        nextRuntime,
        nextOptions as McpHttpOptions,
        host,
        listening,
      )),
  );
}

interface McpGeneration extends AppGeneration {
  readonly sessions: { readonly size: number };
  retire(graceMs: number): Promise<void>;
}

/** One build of the adapter: its app (not listening yet), session table and compiled units. */
async function mcpGeneration(
  adapter: ExposesMcp,
  runtime: Runtime,
  options: McpHttpOptions,
  host: string,
  port: () => number,
): Promise<McpGeneration> {
  // Compiled once: in stateless mode every request gets its own server.
  const compiled = {
    tools: compileTools(adapter, runtime),
    resources: compileResources(adapter, runtime),
    prompts: compilePrompts(adapter, runtime),
  };
  const authenticator = await adapterAuthenticator(adapter, runtime.bound, options);
  const limits = {
    maxSessions: options.maxSessions ?? DEFAULT_SESSION_LIMITS.maxSessions,
    idleMs: options.sessionIdleMs ?? DEFAULT_SESSION_LIMITS.idleMs,
  };
  // Closing a session's server closes its transport, whose onclose removes it from the table.
  const sessions = createSessionTable<Session>(limits, (s) => void s.server.close());
  const retryAfter = String(Math.max(1, Math.min(60, Math.ceil(limits.idleMs / 1000))));
  const app = createHttpApp({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    wire: 'jsonrpc',
    limits: options.limits,
  });
  // Before the JSON-RPC layer, the session table and the SDK (MCP 2025-11-25 authorization: an
  // HTTP 401/403 with the scheme's challenge).
  mountDeclaredAuth(
    app,
    adapter,
    { ...options, ...(authenticator ? { authenticator } : {}) },
    (reply, refusal) =>
      reply.send({
        jsonrpc: '2.0',
        error: { code: -32000, message: refusal.detail, data: { code: refusal.code } },
        id: null,
      }),
  );

  const guard = requestGuard(host, port);
  let closing = false;
  let inflight = 0;

  /** Opens a transport and server; `claim` (stateful) is released once the session exists. */
  const open = async (stateful: boolean, principal?: string, claim?: Claim): Promise<Session> => {
    const { StreamableHTTPServerTransport, createMcpServer } = await loadSdk();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: stateful ? randomUUID : undefined,
      onsessioninitialized: (id) => {
        sessions.add(id, session);
        claim?.release();
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    const server = createMcpServer(adapter, runtime, {
      ...compiled,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    const session: Session = { transport, server, principal };
    await server.connect(transport);
    return session;
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    if (closing) return rpcError(reply, 503, 'Service Unavailable: the server is stopping');
    const refusal = guard(request.headers.host, single(request.headers.origin));
    if (refusal !== undefined) return rpcError(reply, 403, refusal);
    if (options.stateless && request.method !== 'POST') {
      // No session: no stream to open with GET, none to end with DELETE.
      reply.header('allow', 'POST');
      return rpcError(reply, 405, 'Method Not Allowed: this server is stateless (POST only)');
    }
    let body: unknown;
    if (request.method === 'POST') {
      // Checked here, not only in the SDK, so that a request without a session gets the answer
      // about its body rather than about the missing session.
      if (!isJson(request.headers['content-type'])) {
        return rpcError(
          reply,
          415,
          'Unsupported Media Type: Content-Type must be application/json',
        );
      }
      const parsed = parseJson(request.body);
      if (!parsed.ok) return rpcError(reply, 400, 'Parse error: Invalid JSON', -32700);
      // JSON-RPC 2.0 §6: an empty batch is an invalid request, answered with one error (the SDK
      // would accept it as "only notifications" with 202). Longer batches are bounded by the SDK.
      if (Array.isArray(parsed.value) && parsed.value.length === 0) {
        return rpcError(reply, 400, 'Invalid Request: empty batch', -32600);
      }
      body = parsed.value;
    }
    const sessionId = single(request.headers['mcp-session-id']);
    let session: Session | undefined;
    let claim: Claim | undefined;
    if (options.stateless) session = await open(false);
    else if (sessionId !== undefined) {
      session = sessions.get(sessionId);
      // A session is bound to its caller (MCP security best practices): another caller that
      // learns its id is told it does not exist. An expired or deleted session is unknown too:
      // 404 tells the client to initialize a new one (MCP 2025-11-25, session management).
      if (session === undefined || session.principal !== principalOf(request.raw)) {
        return rpcError(reply, 404, 'Session not found', -32001);
      }
    } else if (request.method === 'POST' && (await loadSdk()).isInitializeRequest(body)) {
      // Room is claimed before anything is allocated: past the cap, an initialize costs a 503.
      claim = sessions.reserve();
      if (claim === undefined) {
        reply.header('retry-after', retryAfter);
        return rpcError(
          reply,
          503,
          `Service Unavailable: too many open sessions (${limits.maxSessions}); close one or retry later`,
          -32000,
          { code: 'SESSION_LIMIT_REACHED' },
        );
      }
      try {
        session = await open(true, principalOf(request.raw), claim);
      } catch (err) {
        claim.release();
        throw err;
      }
    } else return rpcError(reply, 400, 'Bad Request: No valid session ID provided');

    reply.hijack();
    // A standing GET stream ends with its session, when this build is let go (--watch).
    if (request.method === 'GET') standingResponse(reply.raw);
    const counted = request.method === 'POST';
    if (counted) inflight++;
    // A POST or DELETE in progress keeps its session from expiring; a standing GET stream only
    // restarts its idle clock (session-table.ts says why).
    const used = request.method === 'GET' ? undefined : sessionId;
    if (sessionId !== undefined) sessions.touch(sessionId);
    if (used !== undefined) sessions.begin(used);
    reply.raw.once('close', () => {
      if (counted) inflight--;
      if (used !== undefined) sessions.end(used);
      // An initialize that created no session gives its claim back.
      claim?.release();
      // A stateless pair, or an initialize that created no session, serves this request only.
      if (options.stateless || session.transport.sessionId === undefined) {
        void session.server.close();
      }
    });
    try {
      await session.transport.handleRequest(request.raw, reply.raw, body);
    } catch (err) {
      // A client that went away mid-request is not a server error: nothing to log or answer.
      const gone = request.raw.destroyed || (err as { name?: unknown }).name === 'AbortError';
      if (!gone) options.onError?.(err);
      if (!reply.raw.headersSent && !reply.raw.destroyed) reply.raw.writeHead(500).end();
    }
  };

  app.removeAllContentTypeParsers();
  // Bodies are read as text and parsed (or refused) by the route, which hands them to the SDK.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, _request, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) options.onError?.(err);
    const message = err instanceof Error ? err.message : 'Bad Request';
    return rpcError(reply, status, status >= 500 ? 'Internal error' : message);
  });
  for (const url of MCP_PATHS)
    app.route({ method: ['GET', 'POST', 'DELETE'], url, handler: handle });

  return {
    app,
    sessions,
    async retire(graceMs: number) {
      closing = true;
      sessions.stop();
      const deadline = Date.now() + graceMs;
      while (inflight > 0 && Date.now() < deadline) await sleep(20);
      await Promise.allSettled([...sessions.values()].map((s) => s.server.close()));
    },
  };
}

/** A JSON-RPC error answered by the adapter itself (before the SDK sees the request). */
function rpcError(
  reply: FastifyReply,
  status: number,
  message: string,
  code = -32000,
  data?: Record<string, unknown>,
) {
  const error = data === undefined ? { code, message } : { code, message, data };
  return reply.code(status).send({ jsonrpc: '2.0', error, id: null });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json';
}

function parseJson(body: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof body !== 'string') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The SDK's parts this adapter uses, imported once, by the first request that needs them. */
let sdk:
  | Promise<{
      StreamableHTTPServerTransport: typeof StreamableHTTPServerTransport;
      isInitializeRequest: (value: unknown) => boolean;
      createMcpServer: typeof CreateMcpServer;
    }>
  | undefined;
function loadSdk() {
  sdk ??= Promise.all([
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
    import('./mcp-server.js'),
  ]).then(([transport, types, server]) => ({
    StreamableHTTPServerTransport: transport.StreamableHTTPServerTransport,
    isInitializeRequest: types.isInitializeRequest,
    createMcpServer: server.createMcpServer,
  }));
  return sdk;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
