/**
 * The Streamable HTTP transport of an MCP adapter (contract §8; docs/design/mcp-next.md §5.3): a
 * fastify server on the adapter's address (localhost unless it says otherwise) whose `/mcp` and
 * `/` routes speak both eras of MCP on the same endpoint, over the engine's own dispatcher:
 *
 * - a 2026-07-28 request (per-request `_meta` envelope) is served statelessly, after the
 *   envelope, version and `Mcp-Method`/`Mcp-Name` checks, with a decorated result;
 *   `subscriptions/listen` opens a stream of resource updates;
 * - a 2025-11-25 client initializes a session (or, with `--mcp-stateless`, none), may open one
 *   GET stream for notifications, and ends it with DELETE — the statuses and codes of the SDK's
 *   transport.
 *
 * Answers are plain JSON unless something is said before the result (progress, log messages):
 * then the response becomes an event stream scoped to the request. Host and Origin are checked
 * first, declared inbound authentication before any of it. Sessions are bounded in number and
 * idle time (session-table.ts); the app's inbound limits answer in JSON-RPC (http-limits.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
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
import { chargeMore, standingResponse } from '../http-limits.js';
import type { HttpLimits } from '../http-limits.js';
import { listenOn, listeningPort } from '../listen.js';
import {
  closeConnection,
  compileUnits,
  createDispatcher,
  listenFilterError,
  InflightTable,
  methodNotFound,
  newConnection,
  rpcErrorOf,
} from './dispatch.js';
import type { Connection } from './dispatch.js';
import { LEGACY_VERSIONS, checkEnvelope, checkMethodHeaders, eraOf, single } from './era.js';
import { Exchange, SSE_HEADERS, StandingStream, sseFrame, writeJson } from './exchange.js';
import {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  MAX_BATCH,
  PARSE_ERROR,
  SERVER_ERROR,
  SESSION_NOT_FOUND,
  errorResponse,
  notification,
  readMessage,
  resultResponse,
} from './jsonrpc.js';
import type { ErrorObject, Message, Params, RpcId } from './jsonrpc.js';
import { requestGuard } from './request-guard.js';
import { DEFAULT_SESSION_LIMITS, createSessionTable } from './session-table.js';
import type { Claim } from './session-table.js';

export interface McpHttpOptions extends ListenOptions {
  /** No sessions for 2025-11-25 clients: every request stands alone (default false). */
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

/** A 2025-11-25 session. */
interface Session extends Connection {
  readonly id: string;
  /** Who opened it, when the adapter's scheme tells callers apart (OAuth 2.0 issuer + subject). */
  readonly principal: string | undefined;
  /** The standing GET stream, while open. */
  stream: ServerResponse | undefined;
}

export const MCP_PATHS = ['/mcp', '/'];

/** How often an idle `subscriptions/listen` stream gets a keep-alive comment. */
const KEEP_ALIVE_MS = 15_000;

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
        // New requests get 503; in-flight calls may finish; then sessions (and their long-lived
        // streams) are closed, and the server with them.
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

/** One build of the adapter: its app (not listening yet), dispatcher and session table. */
async function mcpGeneration(
  adapter: ExposesMcp,
  runtime: Runtime,
  options: McpHttpOptions,
  host: string,
  port: () => number,
): Promise<McpGeneration> {
  const stateless = options.stateless === true;
  const dispatcher = createDispatcher(adapter, runtime, compileUnits(adapter, runtime), {
    onError: options.onError,
    // Modern clients subscribe on their own listen stream, stateless or not; a 2025-11-25
    // client needs a session (and its GET stream) for updates to reach it.
    subscriptions: true,
    legacySubscriptions: !stateless,
  });
  const authenticator = await adapterAuthenticator(adapter, runtime.bound, options);
  const limits = {
    maxSessions: options.maxSessions ?? DEFAULT_SESSION_LIMITS.maxSessions,
    idleMs: options.sessionIdleMs ?? DEFAULT_SESSION_LIMITS.idleMs,
  };
  const sessions = createSessionTable<Session>(limits, endSession);
  const retryAfter = String(Math.max(1, Math.min(60, Math.ceil(limits.idleMs / 1000))));
  /** Open `subscriptions/listen` streams, ended gracefully when this build is let go. */
  const listens = new Set<() => void>();
  const app = createHttpApp({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    wire: 'jsonrpc',
    limits: options.limits,
  });
  // Before anything else (MCP authorization: an HTTP 401/403 with the scheme's challenge).
  mountDeclaredAuth(
    app,
    adapter,
    { ...options, ...(authenticator ? { authenticator } : {}) },
    (reply, refusal) =>
      reply.send({
        jsonrpc: '2.0',
        error: { code: SERVER_ERROR, message: refusal.detail, data: { code: refusal.code } },
        id: null,
      }),
  );

  const guard = requestGuard(host, port);
  let closing = false;
  let inflight = 0;

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const res = reply.raw;
    if (closing)
      return refuse(reply, 503, null, SERVER_ERROR, 'Service Unavailable: the server is stopping');
    const refusal = guard(request.headers.host, single(request.headers.origin));
    if (refusal !== undefined) return refuse(reply, 403, null, SERVER_ERROR, refusal);
    if (request.method !== 'POST' && request.method !== 'GET' && request.method !== 'DELETE') {
      // HEAD, PUT, OPTIONS...: never routed to a session operation (a HEAD must not end one).
      reply.header('allow', stateless ? 'POST' : 'GET, POST, DELETE');
      return refuse(reply, 405, null, SERVER_ERROR, 'Method Not Allowed');
    }
    if (request.method !== 'POST') {
      if (stateless) {
        // No session: no stream to open with GET, none to end with DELETE.
        reply.header('allow', 'POST');
        return refuse(
          reply,
          405,
          null,
          SERVER_ERROR,
          'Method Not Allowed: this server is stateless (POST only)',
        );
      }
      return request.method === 'GET' ? openStream(request, reply) : deleteSession(request, reply);
    }
    if (!isJson(request.headers['content-type'])) {
      return refuse(
        reply,
        415,
        null,
        SERVER_ERROR,
        'Unsupported Media Type: Content-Type must be application/json',
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body as string);
    } catch {
      return refuse(reply, 400, null, PARSE_ERROR, 'Parse error: Invalid JSON');
    }
    // JSON-RPC 2.0 §6: an empty batch is an invalid request, answered with one error.
    if (Array.isArray(body) && body.length === 0) {
      return refuse(reply, 400, null, INVALID_REQUEST, 'Invalid Request: empty batch');
    }
    const versionHeader = single(request.headers['mcp-protocol-version']);
    // A batch is 2025-era traffic: one holding a 2026-07-28 request is invalid as a whole.
    if (Array.isArray(body) && body.some((m) => eraOf(m, versionHeader) === 'modern')) {
      return refuse(
        reply,
        400,
        null,
        INVALID_REQUEST,
        'Invalid Request: a batch cannot hold a 2026-07-28 request',
      );
    }
    reply.hijack();
    inflight++;
    // A request in progress until its answer is written, or until it becomes a standing stream
    // (no 'close' listener per response: that costs more than the rest of the bookkeeping).
    let counted = true;
    const release = () => {
      if (counted) {
        counted = false;
        inflight--;
      }
    };
    try {
      if (eraOf(body, versionHeader) === 'modern') {
        await modern(request.headers, res, body, release);
      } else {
        await legacy(request, res, body);
      }
    } catch (err) {
      options.onError?.(err);
      if (!res.headersSent && !res.destroyed) send(res, 500, errorResponse(null, internal()));
    } finally {
      release();
    }
  };

  /** A 2026-07-28 request: checked (§5.3 a–f), then dispatched statelessly. */
  const modern = async (
    headers: IncomingHttpHeaders,
    res: ServerResponse,
    body: unknown,
    release: () => void,
  ) => {
    const message = readMessage(body);
    if (message.kind !== 'request' && message.kind !== 'notification') {
      const id = message.kind === 'invalid' ? message.id : null;
      return send(
        res,
        400,
        errorResponse(id, { code: INVALID_REQUEST, message: 'Invalid Request' }),
      );
    }
    const id = message.kind === 'request' ? message.id : null;
    const versionHeader = single(headers['mcp-protocol-version']);
    // A notification need not carry the standard headers; one it sends must still agree.
    const envelope = checkEnvelope(
      message.params,
      message.kind === 'notification' && versionHeader === undefined ? null : versionHeader,
    );
    if ('status' in envelope) return send(res, envelope.status, errorResponse(id, envelope.error));
    if (message.kind === 'notification') return void res.writeHead(202).end();
    const mismatch = checkMethodHeaders(message.method, message.params, headers);
    if (mismatch !== undefined)
      return send(res, mismatch.status, errorResponse(id, mismatch.error));
    const { method, params } = message;
    if (method === 'subscriptions/listen') {
      return listen(res, message.id, params, headers, release);
    }
    if (!dispatcher.supports(method, 'modern')) {
      return send(res, 404, errorResponse(message.id, methodNotFound(method)));
    }
    const exchange = new Exchange(res, acceptsSse(headers.accept));
    try {
      const result = await dispatcher.handle(method, params, {
        era: 'modern',
        signal: exchange.signal,
        headers,
        notify: exchange.canNotify ? exchange.notify : undefined,
        logLevel: envelope.logLevel,
      });
      exchange.reply(200, resultResponse(message.id, dispatcher.decorate(method, result)));
    } catch (err) {
      exchange.reply(200, errorResponse(message.id, rpcErrorOf(err, options.onError)));
    }
  };

  /** `subscriptions/listen`: a stream of the updates asked for, until either side ends it. */
  const listen = (
    res: ServerResponse,
    id: RpcId,
    params: Params | undefined,
    headers: IncomingHttpHeaders,
    release: () => void,
  ) => {
    const refused = listenFilterError(params);
    if (refused !== undefined) return send(res, 200, errorResponse(id, refused));
    if (!acceptsSse(headers.accept)) {
      return send(
        res,
        406,
        errorResponse(id, {
          code: SERVER_ERROR,
          message: 'Not Acceptable: subscriptions/listen answers with text/event-stream',
        }),
      );
    }
    // Open streams are bounded as sessions are: each holds a socket and its watches.
    if (listens.size >= limits.maxSessions) {
      res.setHeader('retry-after', retryAfter);
      return send(
        res,
        503,
        errorResponse(id, {
          code: SERVER_ERROR,
          message: `Service Unavailable: too many open subscription streams (${limits.maxSessions}); close one or retry later`,
          data: { code: 'SESSION_LIMIT_REACHED' },
        }),
      );
    }
    res.writeHead(200, SSE_HEADERS);
    // A standing stream: neither a hand-over nor a graceful stop waits for it to drain.
    standingResponse(res);
    release();
    const stream = new StandingStream(res);
    const listening = dispatcher.listen(id, params, (message, key) => stream.send(message, key));
    const keepAlive = setInterval(() => stream.ping(), KEEP_ALIVE_MS).unref();
    const end = () => {
      listening.stop();
      clearInterval(keepAlive);
      listens.delete(finish);
    };
    // The server lets go first (stop, reload): a result tells the client it ended gracefully.
    const finish = () => {
      end();
      if (!res.destroyed) {
        res.end(sseFrame(listening.result));
      }
    };
    listens.add(finish);
    res.once('close', end);
  };

  /** A 2025-11-25 POST: one message or a batch, in a session unless stateless. */
  const legacy = async (request: FastifyRequest, res: ServerResponse, body: unknown) => {
    const accept = request.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return send(
        res,
        406,
        errorResponse(null, {
          code: SERVER_ERROR,
          message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
        }),
      );
    }
    const batch = Array.isArray(body);
    if (batch && (body as unknown[]).length > MAX_BATCH) {
      return send(
        res,
        400,
        errorResponse(null, {
          code: INVALID_REQUEST,
          message: `Invalid Request: a batch holds at most ${MAX_BATCH} messages`,
        }),
      );
    }
    if (batch) {
      // Each message of a batch counts against --rate-limit, as a request of its own would.
      const decision = chargeMore(request.raw, (body as unknown[]).length - 1);
      if (decision !== undefined && !decision.allowed) {
        res.setHeader('retry-after', String(decision.retryAfterSeconds));
        return send(
          res,
          429,
          errorResponse(null, {
            code: SERVER_ERROR,
            message: `Too Many Requests: this batch of ${(body as unknown[]).length} messages is over the client's rate; retry in ${decision.retryAfterSeconds} s`,
            data: { code: 'RATE_LIMITED' },
          }),
        );
      }
    }
    const messages: Message[] = (batch ? (body as unknown[]) : [body]).map(readMessage);
    const invalid = messages.find((m) => m.kind === 'invalid');
    if (invalid !== undefined && invalid.kind === 'invalid') {
      return send(
        res,
        400,
        errorResponse(invalid.id, {
          code: INVALID_REQUEST,
          message: `Invalid Request: ${invalid.reason}`,
        }),
      );
    }
    const initializing = messages.some((m) => m.kind === 'request' && m.method === 'initialize');
    if (initializing && messages.length > 1) {
      return send(
        res,
        400,
        errorResponse(null, {
          code: INVALID_REQUEST,
          message: 'Invalid Request: Only one initialization request is allowed',
        }),
      );
    }
    const sessionId = single(request.headers['mcp-session-id']);
    // Stateless: no connection outlives the POST (log level and subscriptions have nowhere to
    // live); only a batch needs a table of its requests, for a cancellation inside it.
    let connection: Connection | undefined;
    let session: Session | undefined;
    let claim: Claim | undefined;
    const answerHeaders: Record<string, string> = {};
    if (stateless) {
      connection = undefined;
    } else if (sessionId !== undefined) {
      session = sessions.get(sessionId);
      // A session is bound to its caller (MCP security best practices): another caller that
      // learns its id is told it does not exist. An expired or deleted session is unknown too:
      // 404 tells the client to initialize a new one (MCP 2025-11-25, session management).
      if (session === undefined || session.principal !== principalOf(request.raw)) {
        return send(
          res,
          404,
          errorResponse(null, { code: SESSION_NOT_FOUND, message: 'Session not found' }),
        );
      }
      if (initializing) {
        return send(
          res,
          400,
          errorResponse(null, {
            code: INVALID_REQUEST,
            message: 'Invalid Request: Server already initialized',
          }),
        );
      }
      connection = session;
      answerHeaders['mcp-session-id'] = session.id;
    } else if (initializing) {
      // Room is claimed before anything is allocated: past the cap, an initialize costs a 503.
      claim = sessions.reserve();
      if (claim === undefined) {
        res.setHeader('retry-after', retryAfter);
        return send(
          res,
          503,
          errorResponse(null, {
            code: SERVER_ERROR,
            message: `Service Unavailable: too many open sessions (${limits.maxSessions}); close one or retry later`,
            data: { code: 'SESSION_LIMIT_REACHED' },
          }),
        );
      }
      session = {
        ...newConnection(),
        id: randomUUID(),
        principal: principalOf(request.raw),
        stream: undefined,
      };
      connection = session;
      answerHeaders['mcp-session-id'] = session.id;
    } else {
      return send(
        res,
        400,
        errorResponse(null, {
          code: SERVER_ERROR,
          message: 'Bad Request: Mcp-Session-Id header is required',
        }),
      );
    }
    const badVersion = initializing ? undefined : unsupportedVersion(request.headers);
    if (badVersion !== undefined) {
      return send(res, 400, errorResponse(null, { code: SERVER_ERROR, message: badVersion }));
    }

    // A request in progress keeps its session from expiring.
    const used = session !== undefined && !initializing ? session.id : undefined;
    if (used !== undefined) sessions.begin(used);
    try {
      const inflight: InflightTable | undefined =
        connection?.inflight ?? (batch ? new InflightTable() : undefined);
      for (const m of messages)
        if (m.kind === 'notification') legacyNotification(m.method, m.params, inflight);
      const requests = messages.filter((m) => m.kind === 'request');
      if (requests.length === 0) return void res.writeHead(202, answerHeaders).end();

      const exchange = new Exchange(res, true, answerHeaders);
      const answers = await Promise.all(
        requests.map(async (m) => {
          if (m.kind !== 'request') return undefined;
          if (m.method === 'initialize') {
            const result = dispatcher.initialize(m.params);
            if (session !== undefined && claim !== undefined) {
              sessions.add(session.id, session);
              claim.release();
            }
            return resultResponse(m.id, result);
          }
          if (!dispatcher.supports(m.method, 'legacy'))
            return errorResponse(m.id, methodNotFound(m.method));
          // Each request of a batch can be cancelled alone; a single one is its exchange.
          const own = batch ? new AbortController() : undefined;
          const cancel = {
            cancelled: false,
            abort() {
              cancel.cancelled = true;
              if (own !== undefined) own.abort();
              else exchange.abort();
            },
          };
          inflight?.add(m.id, cancel);
          try {
            const result = await dispatcher.handle(m.method, m.params, {
              era: 'legacy',
              signal:
                own === undefined
                  ? exchange.signal
                  : AbortSignal.any([exchange.signal, own.signal]),
              headers: request.headers,
              notify: exchange.notify,
              connection,
            });
            return cancel.cancelled ? undefined : resultResponse(m.id, result);
          } catch (err) {
            return cancel.cancelled
              ? undefined
              : errorResponse(m.id, rpcErrorOf(err, options.onError));
          } finally {
            inflight?.remove(cancel);
          }
        }),
      );
      claim?.release();
      // A cancelled request gets no answer (MCP cancellation: receivers should not respond).
      const sent = answers.filter((a) => a !== undefined);
      if (sent.length === 0) exchange.accepted();
      else exchange.reply(200, batch ? sent : sent[0]);
    } finally {
      // Until its answers are written (a listener per response would cost more than the rest).
      if (used !== undefined) sessions.end(used);
    }
  };

  const legacyNotification = (
    method: string,
    params: Params | undefined,
    inflight: InflightTable | undefined,
  ) => {
    if (method === 'notifications/cancelled') {
      const id = params?.['requestId'];
      if (typeof id === 'string' || typeof id === 'number') inflight?.get(id)?.abort();
    }
    // notifications/initialized and the rest need nothing from a server that never asks.
  };

  /** GET: a session's standing stream, for notifications that belong to no request. */
  const openStream = (request: FastifyRequest, reply: FastifyReply) => {
    if (!(request.headers.accept ?? '').includes('text/event-stream')) {
      return refuse(
        reply,
        406,
        null,
        SERVER_ERROR,
        'Not Acceptable: Client must accept text/event-stream',
      );
    }
    const session = sessionOf(request, reply);
    if (session === undefined) return reply;
    if (session.stream !== undefined) {
      return refuse(
        reply,
        409,
        null,
        SERVER_ERROR,
        'Conflict: Only one SSE stream is allowed per session',
      );
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': session.id });
    res.flushHeaders();
    // A standing GET stream ends with its session, when this build is let go (--watch).
    standingResponse(res);
    session.stream = res;
    const stream = new StandingStream(res);
    session.push = (method, params) =>
      stream.send(
        notification(method, params),
        method === 'notifications/resources/updated' ? String(params['uri']) : undefined,
      );
    sessions.touch(session.id);
    res.once('close', () => {
      if (session.stream === res) {
        session.stream = undefined;
        session.push = undefined;
      }
    });
    return reply;
  };

  const deleteSession = (request: FastifyRequest, reply: FastifyReply) => {
    const session = sessionOf(request, reply);
    if (session === undefined) return reply;
    sessions.delete(session.id);
    endSession(session);
    return reply.code(200).send();
  };

  /** The session a GET or DELETE names, or undefined with the refusal sent. */
  const sessionOf = (request: FastifyRequest, reply: FastifyReply): Session | undefined => {
    const id = single(request.headers['mcp-session-id']);
    if (id === undefined) {
      void refuse(reply, 400, null, SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required');
      return undefined;
    }
    const session = sessions.get(id);
    if (session === undefined || session.principal !== principalOf(request.raw)) {
      void refuse(reply, 404, null, SESSION_NOT_FOUND, 'Session not found');
      return undefined;
    }
    const badVersion = unsupportedVersion(request.headers);
    if (badVersion !== undefined) {
      void refuse(reply, 400, null, SERVER_ERROR, badVersion);
      return undefined;
    }
    return session;
  };

  app.removeAllContentTypeParsers();
  // Bodies are read as text and parsed (or refused) by the route.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, _request, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) options.onError?.(err);
    const message = err instanceof Error ? err.message : 'Bad Request';
    return refuse(
      reply,
      status,
      null,
      status >= 500 ? INTERNAL_ERROR : SERVER_ERROR,
      status >= 500 ? 'Internal error' : message,
    );
  });
  for (const url of MCP_PATHS)
    app.route({
      method: ['GET', 'POST', 'DELETE', 'HEAD', 'PUT', 'PATCH', 'OPTIONS'],
      url,
      exposeHeadRoute: false,
      handler: handle,
    });

  return {
    app,
    sessions,
    async retire(graceMs: number) {
      closing = true;
      sessions.stop();
      for (const finish of [...listens]) finish();
      const deadline = Date.now() + graceMs;
      while (inflight > 0 && Date.now() < deadline) await sleep(20);
      for (const session of sessions.values()) {
        sessions.delete(session.id);
        endSession(session);
      }
      dispatcher.close();
    },
  };
}

/** Ends a session: its stream, its watches, its requests in progress. */
function endSession(session: Session): void {
  const stream = session.stream;
  closeConnection(session);
  session.stream = undefined;
  if (stream !== undefined && !stream.destroyed) stream.end();
}

function internal(): ErrorObject {
  return { code: INTERNAL_ERROR, message: 'Internal error' };
}

/** A JSON-RPC error answered through fastify (before the route takes the raw response). */
function refuse(
  reply: FastifyReply,
  status: number,
  id: RpcId | null,
  code: number,
  message: string,
) {
  return reply.code(status).send(errorResponse(id, { code, message }));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  writeJson(res, status, body);
}

/** Why a 2025-11-25 request's `MCP-Protocol-Version` is refused (absent means 2025-03-26). */
function unsupportedVersion(headers: IncomingHttpHeaders): string | undefined {
  const version = single(headers['mcp-protocol-version']);
  return version === undefined || LEGACY_VERSIONS.includes(version)
    ? undefined
    : `Bad Request: Unsupported protocol version: ${version} (supported versions: ${LEGACY_VERSIONS.join(', ')})`;
}

function acceptsSse(accept: string | undefined): boolean {
  return accept !== undefined && (accept.includes('text/event-stream') || accept.includes('*/*'));
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
