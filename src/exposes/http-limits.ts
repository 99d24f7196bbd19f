/**
 * Inbound limits that every HTTP adapter applies before routing work, authentication and body
 * reading (issue 11, "reliability under faults, load and abuse"):
 *
 * - the request head (request line and headers) is bounded by Node's `maxHeaderSize`; Node
 *   refuses a larger head while parsing it, and our `clientError` handler answers 431
 *   `HEADERS_TOO_LARGE` with the adapter's error body instead of fastify's ad-hoc JSON;
 * - the request URL is bounded (414 `URI_TOO_LONG`, RFC 9110 §15.5.15), checked by the HTTP
 *   server's request listener before fastify sees the request (no fastify hook: a hook on every
 *   request costs each request the hook runner); fastify's per-parameter limit (`maxParamLength`, 100 by default, past which
 *   a route silently does not match and the caller gets a 404) is raised to the same bound so
 *   that long path parameters are governed by one documented limit;
 * - an optional per-client rate (429 `RATE_LIMITED` with `Retry-After`), see rate-limiter.ts;
 * - a `Content-Type` that is not a media type (`type/subtype[; params]`, RFC 9110 §8.3.1) on a
 *   request that may carry a body is 400 `BODY_INVALID` (fastify's own refusal, an error the
 *   adapters' error mapping does not know, would otherwise surface as a 500).
 *
 * The limits come from the adapter's options (`ListenOptions.limits`, which `naftiko run` fills
 * from its flags), else from the defaults below.
 *
 * The server's request listener hands each request to the app of its current generation:
 * `handOver` moves a listening socket to a freshly built app (`naftiko run --watch`).
 */
import { STATUS_CODES, createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CATALOGUE, NaftikoError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem.js';
import { createRateLimiter } from './rate-limiter.js';
import type { RateDecision, RateLimiter } from './rate-limiter.js';

export interface HttpLimits {
  /** Longest accepted request target (path and query), in bytes. */
  readonly maxUrlLength: number;
  /** Largest accepted request head (request line and headers), in bytes: Node's maxHeaderSize. */
  readonly maxHeaderSize: number;
  /** Requests per minute per client IP address; undefined (the default): no rate limit. */
  readonly rateLimit?: number | undefined;
  /**
   * Longest time to receive a whole request (head and body), in milliseconds; past it the
   * connection gets 408 and is closed (slow clients holding connections open). Answers that
   * stream (MCP's SSE) are not affected: their request has been received.
   */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxUrlLength: 8 * 1024,
  maxHeaderSize: 16 * 1024,
  requestTimeoutMs: 30_000,
};

/** How an adapter words a refusal: problem+json (REST, skill, control) or JSON-RPC (MCP). */
export type RefusalWire = 'problem' | 'jsonrpc';

export function resolveHttpLimits(explicit: Partial<HttpLimits> = {}): HttpLimits {
  return { ...DEFAULT_HTTP_LIMITS, ...defined(explicit) };
}

/** The body and content type of a refusal in the adapter's wire format. */
export function refusalBody(
  wire: RefusalWire,
  code: ErrorCode,
  detail: string,
): { contentType: string; body: string } {
  if (wire === 'jsonrpc') {
    return {
      contentType: 'application/json',
      body: JSON.stringify({
        jsonrpc: '2.0',
        error: { code: -32000, message: detail, data: { code } },
        id: null,
      }),
    };
  }
  return {
    contentType: PROBLEM_CONTENT_TYPE,
    body: JSON.stringify(problemFor(new NaftikoError(code, detail), (text) => text)),
  };
}

/**
 * fastify's `serverFactory`: Node's HTTP server with the head limit (`maxHeaderSize`), whose
 * request listener refuses a too-long URL and, when on, a client over its rate, before fastify's
 * handler runs (nothing of the request is read, routed or authenticated). fastify's own server
 * settings (keep-alive, request and connection timeouts) are applied as it would apply them.
 */
/** The rate limiter and client key of each request counted by one (see `chargeMore`). */
const charged = new WeakMap<IncomingMessage, { limiter: RateLimiter; client: string }>();

/**
 * Counts `units` more against the rate of the client that sent `req` (a JSON-RPC batch is as
 * many requests as it has messages): the decision, or undefined when no rate limit applies.
 */
export function chargeMore(req: IncomingMessage, units: number): RateDecision | undefined {
  const entry = charged.get(req);
  if (entry === undefined || units <= 0) return undefined;
  return entry.limiter.take(entry.client, Date.now(), units);
}

export function limitedServerFactory(limits: HttpLimits, wire: RefusalWire) {
  const limiter = limits.rateLimit === undefined ? undefined : createRateLimiter(limits.rateLimit);
  const maxUrlLength = limits.maxUrlLength;
  const refuse = (res: ServerResponse, code: ErrorCode, detail: string, retryAfter?: number) => {
    const { contentType, body } = refusalBody(wire, code, detail);
    res.writeHead(ERROR_CATALOGUE[code].httpStatus, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
    });
    res.end(body);
  };
  return (
    handler: (req: IncomingMessage, res: ServerResponse) => void,
    options: {
      keepAliveTimeout?: number;
      requestTimeout?: number;
      connectionTimeout?: number;
      maxRequestsPerSocket?: number;
    },
  ): Server => {
    const requestTimeout = limits.requestTimeoutMs;
    const server = createServer(
      {
        maxHeaderSize: limits.maxHeaderSize,
        requestTimeout,
        // Node's own rule: the head has to arrive no later than the whole request.
        headersTimeout: Math.min(requestTimeout, 60_000),
        // How often Node looks for requests past their time (its default, 30 s, would let a
        // short timeout run up to twice as long).
        connectionsCheckingInterval: Math.min(30_000, Math.max(250, requestTimeout / 4)),
      },
      (req, res) => {
        // Counted before anything else: a refused or malformed request still spends its allowance.
        if (limiter !== undefined) {
          const client = req.socket.remoteAddress ?? 'unknown';
          const decision = limiter.take(client);
          charged.set(req, { limiter, client });
          if (!decision.allowed) {
            return refuse(
              res,
              'RATE_LIMITED',
              `more than ${limits.rateLimit} requests a minute from this client; retry in ${decision.retryAfterSeconds} s`,
              decision.retryAfterSeconds,
            );
          }
        }
        if ((req.url ?? '').length > maxUrlLength) {
          // The URL is never quoted back: it may carry credentials.
          return refuse(res, 'URI_TOO_LONG', `the request URL exceeds ${maxUrlLength} bytes`);
        }
        const contentType = req.headers['content-type'];
        if (
          contentType !== undefined &&
          !BODYLESS.has(req.method ?? '') &&
          !isMediaType(contentType)
        ) {
          // fastify would answer its own 415 error, which the adapters' error mapping does not know.
          return refuse(res, 'BODY_INVALID', 'the Content-Type header is not a valid media type');
        }
        dispatch(slot, req, res);
      },
    );
    const slot: Slot = { current: { handler, inflight: 0, waiters: [] } };
    slots.set(server, slot);
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    // fastify's own requestTimeout (0 unless set) is not applied: the limits' one stands.
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    if ((options.maxRequestsPerSocket ?? 0) > 0) {
      server.maxRequestsPerSocket = options.maxRequestsPerSocket as number;
    }
    return server;
  };
}

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** One app's request handling on a server, with its requests in progress. */
interface Generation {
  readonly handler: RequestHandler;
  inflight: number;
  readonly waiters: (() => void)[];
}

/** Which app a server built by `limitedServerFactory` hands its requests to (naftiko run --watch). */
interface Slot {
  current: Generation;
}

const slots = new WeakMap<Server, Slot>();

/** The generation each request in progress is counted in (until it ends or is let go). */
const counted = new WeakMap<ServerResponse, Generation>();

/** Hands a request to the server's current app, counting it until its response is closed. */
function dispatch(slot: Slot, req: IncomingMessage, res: ServerResponse): void {
  const generation = slot.current;
  generation.inflight++;
  counted.set(res, generation);
  res.once('close', () => uncount(res));
  generation.handler(req, res);
}

function uncount(res: ServerResponse): void {
  const generation = counted.get(res);
  if (generation === undefined) return;
  counted.delete(res);
  if (--generation.inflight === 0) for (const wake of generation.waiters.splice(0)) wake();
}

/**
 * A standing response (an MCP GET event stream) that a replacement need not wait for: the app
 * that serves it ends it itself when it is let go (`AppGeneration.retire`).
 */
export function standingResponse(res: ServerResponse): void {
  uncount(res);
}

/**
 * Routes the requests of a listening server (built by `limitedServerFactory`) to the app of
 * another such server, which never listens: new requests, on new or kept-alive connections, go to
 * it at once, while those in progress finish on the previous app. The socket, its limits and its
 * rate-limit counters stay. Resolves when the previous app has no request in progress (or after
 * `graceMs`, with false).
 */
export function handOver(listening: Server, next: Server, graceMs: number): Promise<boolean> {
  const slot = slots.get(listening);
  const handler = slots.get(next)?.current.handler;
  if (slot === undefined || handler === undefined) {
    throw new Error('handOver: both servers must come from limitedServerFactory');
  }
  const previous = slot.current;
  slot.current = { handler, inflight: 0, waiters: [] };
  if (previous.inflight === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), graceMs).unref();
    previous.waiters.push(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * fastify's `clientErrorHandler`: what to write on a socket whose request Node could not parse.
 * An oversized head is 431 in the adapter's wire format; a request that timed out is 408; any
 * other parse error a 400. Node then destroys the socket, as its own default does.
 */
export function clientErrorHandler(wire: RefusalWire, limits: HttpLimits) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let status: number;
    let refusal: { contentType: string; body: string };
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      refusal = refusalBody(
        wire,
        'HEADERS_TOO_LARGE',
        `the request line and headers exceed ${limits.maxHeaderSize} bytes`,
      );
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      refusal = { contentType: 'text/plain', body: 'Request Timeout' };
    } else {
      status = 400;
      refusal = refusalBody(wire, 'INPUT_INVALID', 'the request cannot be parsed as HTTP');
    }
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\n` +
          `content-type: ${refusal.contentType}\r\ncontent-length: ${Buffer.byteLength(refusal.body)}\r\n\r\n` +
          refusal.body,
      );
    }
    socket.destroy(err);
  };
}

/** Methods whose Content-Type fastify ignores (it reads no body for them). */
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);
const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/;

/** `type/subtype[; parameters]` with token type and subtype: what fastify accepts as a media type. */
export function isMediaType(value: string): boolean {
  const semicolon = value.indexOf(';');
  const media = semicolon === -1 ? value : value.slice(0, semicolon);
  const slash = media.indexOf('/');
  if (slash === -1) return false;
  return (
    TOKEN.test(media.slice(0, slash).trimStart()) && TOKEN.test(media.slice(slash + 1).trimEnd())
  );
}

function defined(limits: Partial<HttpLimits>): Partial<HttpLimits> {
  return Object.fromEntries(
    Object.entries(limits).filter(([, value]) => value !== undefined),
  ) as Partial<HttpLimits>;
}
