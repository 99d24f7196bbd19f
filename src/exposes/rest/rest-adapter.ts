/**
 * The REST adapter (contract §7): one fastify server per `type: rest` adapter. Each operation is
 * a thin skin over its compiled invocation: collect inputs → check them → run → reply. Errors of
 * every kind leave through one mapping (problem.ts); unknown paths are 404, known paths with
 * another method 405 with `Allow`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NaftikoError } from '../../errors.js';
import type { RefusalEvent } from '../auth/guard.js';
import { adapterAuthenticator, mountDeclaredAuth, refusalAsProblem } from '../auth/adapter-auth.js';
import type { InboundAuthenticator } from '../auth/inbound-auth.js';
import { checkInputs } from '../../engine/inputs.js';
import type { Runtime } from '../../engine/runtime.js';
import type { ExposedOperation, ExposedResource, ExposesRest } from '../../spec/types.js';
import { replaceable } from '../adapter.js';
import type { ListenOptions, RunningAdapter } from '../adapter.js';
import { createHttpApp } from '../http-app.js';
import { closeConnectionsWhenStopping, stopGracefully } from '../graceful-stop.js';
import { listenOn } from '../listen.js';
import { instrumentRoute } from '../instrument.js';
import type { ContextHandler } from '../instrument.js';
import { UNMATCHED, metrics, statusClass } from '../../observability/metrics.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from '../problem.js';
import { collectInputs } from './collect-inputs.js';
import { registerForward } from './forward.js';
import { buildOpenApi } from './openapi.js';
import { dispatchOnQuery } from './query-dispatch.js';
import type { QueryVariant } from './query-dispatch.js';
import { routePath } from './route-path.js';
import { sendResult } from './send-result.js';

export interface RestAdapterOptions extends ListenOptions {
  /** Largest accepted request body, in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  readonly onError?: (err: unknown) => void;
  /**
   * The adapter's compiled inbound authentication. Required when the adapter declares
   * `authentication` (startRestAdapter compiles it): an app is never built open by omission.
   */
  readonly authenticator?: InboundAuthenticator;
  readonly onRefused?: (event: RefusalEvent) => void;
  /** Reports a problem that does not stop the adapter (e.g. OAuth 2.0 discovery failing). */
  readonly onWarning?: (event: string, message: string) => void;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Builds the fastify app for an adapter (not listening yet): usable with `app.inject()`. */
export function buildRestApp(
  adapter: ExposesRest,
  runtime: Runtime,
  options: RestAdapterOptions = {},
): FastifyInstance {
  const app = createHttpApp({
    limits: options.limits,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
  });
  const fail = (reply: FastifyReply, err: unknown) => {
    const problem = problemFor(err, runtime.redact);
    if (problem.code === 'INTERNAL') options.onError?.(err);
    if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  };
  mountDeclaredAuth(app, adapter, options, refusalAsProblem(fail));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/*+json'],
    { parseAs: 'string' },
    (_req, body, done) => {
      if (body === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new NaftikoError('BODY_INVALID', 'the request body is not valid JSON'), undefined);
      }
    },
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  closeConnectionsWhenStopping(app);
  app.setErrorHandler((err, _request, reply) => {
    if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return fail(
        reply,
        new NaftikoError(
          'BODY_TOO_LARGE',
          `the request body exceeds ${app.initialConfig.bodyLimit} bytes`,
        ),
      );
    }
    return fail(reply, err);
  });

  const routes: { pattern: RegExp; methods: Set<string> }[] = [];
  // Operations sharing a router path and method differ by fixed query values (query-dispatch.ts).
  const shared = new Map<string, { method: string; url: string; variants: QueryVariant[] }>();
  for (const resource of adapter.resources ?? []) {
    const route = routePath(resource.path);
    const methods = new Set<string>();
    routes.push({ pattern: route.pattern, methods });
    if (resource.forward) {
      registerForward(app, resource, route, runtime, fail, adapter.namespace);
      for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) methods.add(m);
      continue;
    }
    for (const operation of resource.operations ?? []) {
      const method = operation.method ?? 'GET';
      methods.add(method);
      // Metrics and traces name the operation; an unnamed one is `METHOD route-template`.
      const handler = instrumentRoute(
        operationHandler(adapter, resource, operation, route, runtime, fail),
        {
          adapterType: 'rest',
          adapter: adapter.namespace,
          operation: operation.name ?? `${method} ${route.path}`,
          method,
          route: route.path,
        },
      );
      const key = `${method} ${route.path}`;
      const group = shared.get(key) ?? { method, url: route.path, variants: [] };
      group.variants.push({ query: route.query, handler });
      shared.set(key, group);
    }
  }
  for (const { method, url, variants } of shared.values()) {
    app.route({ method, url, handler: dispatchOnQuery(variants, fail) });
  }

  let openapi: unknown;
  app.get(
    '/openapi.json',
    instrumentRoute(
      async (_request, reply) => reply.send((openapi ??= buildOpenApi(adapter, runtime))),
      {
        adapterType: 'rest',
        adapter: adapter.namespace,
        operation: 'GET /openapi.json',
        method: 'GET',
        route: '/openapi.json',
      },
    ),
  );
  // A request no route matched is counted as `unmatched` (never by its raw path).
  const recorder = metrics();
  const unmatched = recorder.enabled
    ? recorder.requestObserver('rest', adapter.namespace, UNMATCHED)
    : undefined;
  routes.push({ pattern: /^\/openapi\.json$/, methods: new Set(['GET']) });
  app.setNotFoundHandler((request, reply) => {
    const start = unmatched !== undefined ? performance.now() : 0;
    const answered = notFound(request, reply);
    unmatched?.observe(statusClass(reply.statusCode), (performance.now() - start) / 1000);
    return answered;
  });
  function notFound(request: FastifyRequest, reply: FastifyReply) {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routes
      .filter((r) => r.pattern.test(path))
      .flatMap((r) => [...r.methods, ...(r.methods.has('GET') ? ['HEAD'] : [])]);
    if (allowed.length > 0) {
      const allow = [...new Set(allowed)].join(', ');
      reply.header('allow', allow);
      return fail(
        reply,
        new NaftikoError(
          'METHOD_NOT_ALLOWED',
          `${request.method} is not allowed on ${path} (allowed: ${allow})`,
        ),
      );
    }
    return fail(reply, new NaftikoError('ROUTE_NOT_FOUND', `no resource at ${path}`));
  }
  return app;
}

function operationHandler(
  adapter: ExposesRest,
  resource: ExposedResource,
  operation: ExposedOperation,
  route: ReturnType<typeof routePath>,
  runtime: Runtime,
  fail: (reply: FastifyReply, err: unknown) => FastifyReply,
): ContextHandler {
  // Resource-level inputs apply to each of its operations.
  const inputParameters = [
    ...(resource.inputParameters ?? []),
    ...(operation.inputParameters ?? []),
  ];
  const invocation = runtime.invocation({ ...operation, inputParameters }, adapter.namespace);
  return async (request, reply, context) => {
    try {
      const raw = collectInputs(request, route.params, invocation.inputs);
      const { values, problems } = checkInputs(invocation.inputs, raw, true);
      if (problems.length > 0) {
        throw new NaftikoError('INPUT_INVALID', problems.map((p) => p.message).join('; '), {
          details: { problems },
        });
      }
      return sendResult(reply, await invocation.run(values, undefined, context), runtime.redact);
    } catch (err) {
      return fail(reply, err);
    }
  };
}

/** Starts an adapter's server (replaceable in place: `RunningAdapter.replace`). */
export async function startRestAdapter(
  adapter: ExposesRest,
  runtime: Runtime,
  options: RestAdapterOptions = {},
): Promise<RunningAdapter> {
  const app = await restApp(adapter, runtime, options);
  const host = options.address ?? adapter.address ?? '0.0.0.0';
  const port = options.port ?? adapter.port;
  const url = await listenOn(app, `REST adapter "${adapter.namespace}"`, host, port);
  return replaceable(
    {
      type: 'rest',
      namespace: adapter.namespace,
      url,
      stop: async (graceMs = 10_000) => {
        await stopGracefully(app, graceMs);
      },
    },
    { app },
    async (next, nextRuntime, nextOptions) => ({
      app: await restApp(next as ExposesRest, nextRuntime, nextOptions as RestAdapterOptions),
    }),
  );
}

async function restApp(
  adapter: ExposesRest,
  runtime: Runtime,
  options: RestAdapterOptions,
): Promise<FastifyInstance> {
  const authenticator = await adapterAuthenticator(adapter, runtime.bound, options);
  return buildRestApp(adapter, runtime, {
    ...options,
    ...(authenticator ? { authenticator } : {}),
  });
}
