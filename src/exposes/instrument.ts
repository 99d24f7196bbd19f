/**
 * Request ids, metrics, traces and the access log of an adapter's routes (issues 10 and 11),
 * without a fastify hook: the route's handler itself is wrapped, once, when the adapter is
 * built.
 *
 * Every request gets a request id — the caller's `X-Request-Id` when usable, else a new UUID —
 * returned in the `X-Request-Id` response header and sent upstream with every call it makes
 * (observability/request-context.ts). When on, the wrapper also observes the metrics series it
 * resolved at build time (no label lookup per request), starts the request's server span
 * (continuing the caller's `traceparent`) and writes the access-log line. Durations run from the
 * handler's start (after routing, authentication and body parsing) to the answer being written:
 * an `onResponse` hook measured the whole exchange but cost about 10% of a proxied request's CPU
 * (response listeners, the `routeOptions` getter, a label lookup), see bench/README.md.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { accessLog } from '../observability/access-log.js';
import { metrics, statusClass } from '../observability/metrics.js';
import { requestIdFrom } from '../observability/request-context.js';
import type { RequestContext } from '../observability/request-context.js';
import { tracer } from '../observability/tracing.js';

/** A route handler given the request's context. */
export type ContextHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  context?: RequestContext,
) => Promise<unknown>;

export interface RouteLabels {
  readonly adapterType: string;
  readonly adapter: string;
  /** The operation or tool name; `METHOD route` for an unnamed one. Bounded, never a raw path. */
  readonly operation: string;
  /** The route's method; undefined for a route of every method (a forward), named per request. */
  readonly method: string | undefined;
  /** The route template (`/v1/items/:id`). */
  readonly route: string;
}

export function instrumentRoute(handler: ContextHandler, labels: RouteLabels): ContextHandler {
  const recorder = metrics();
  const tracing = tracer();
  const log = accessLog();
  const observer = recorder.enabled
    ? recorder.requestObserver(labels.adapterType, labels.adapter, labels.operation)
    : undefined;
  const timed = observer !== undefined || log !== undefined;
  // A REST reply can carry a stream: pass-through bodies are not buffered (issue 11).
  const stream = labels.adapterType === 'rest';
  const name = labels.method === undefined ? undefined : `${labels.method} ${labels.route}`;
  return async (request, reply) => {
    const start = timed ? performance.now() : 0;
    const requestId = requestIdFrom(request.headers['x-request-id']);
    reply.header('x-request-id', requestId);
    const span = tracing.enabled
      ? tracing.startServer(name ?? `${request.method} ${labels.route}`, request.headers, {
          'http.request.method': request.method,
          'http.route': labels.route,
          'naftiko.adapter': labels.adapter,
          'naftiko.adapter.type': labels.adapterType,
          'naftiko.operation': labels.operation,
        })
      : undefined;
    const context: RequestContext = {
      requestId,
      span,
      exchanges: log !== undefined ? [] : undefined,
      stream,
    };
    try {
      return await handler(request, reply, context);
    } finally {
      const status = reply.statusCode;
      if (timed) {
        const ms = performance.now() - start;
        observer?.observe(statusClass(status), ms / 1000);
        log?.({
          adapterType: labels.adapterType,
          adapter: labels.adapter,
          method: request.method,
          route: labels.route,
          operation: labels.operation,
          status,
          durationMs: Math.round(ms * 1000) / 1000,
          requestId,
          traceId: span?.recording ? span.traceId : undefined,
          upstream: context.exchanges ?? [],
        });
      }
      if (span !== undefined) {
        span.setAttribute('http.response.status_code', status);
        span.end(status >= 500 ? String(status) : undefined);
      }
    }
  };
}
