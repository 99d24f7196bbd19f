/**
 * The control adapter (`type: control`, contract §9): the management plane of a running
 * capability, on its own port and localhost by default.
 * - `management.health` (default true): `GET /health/live` → 200 `{"status":"UP"}` while the
 *   process serves; `GET /health/ready` → 200 `UP` when every other adapter has started, else 503
 *   `DEGRADED`, with each adapter's state (a readiness probe for an orchestrator).
 * - `management.info` (default false): `GET /status`: capability label and spec version, engine
 *   and Node versions, uptime, adapters.
 * - `GET /metrics`: the process's Prometheus text (observability/metrics.ts), when metrics are on
 *   (`enableMetrics()` ran) and this adapter does not turn them off (`observability.enabled` or
 *   `observability.metrics.local.enabled` false): 404 otherwise.
 * - `GET /traces`, `GET /traces/{id}`: recent traces (observability/tracing.ts), when tracing is
 *   on and this adapter keeps them (`observability.traces.local`).
 * Anything else is 404 problem+json. Its declared `authentication` is enforced like any adapter's.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NaftikoError } from '../../errors.js';
import type { Runtime } from '../../engine/runtime.js';
import { metrics, wantsMetrics } from '../../observability/metrics.js';
import { wantsLocalTraces } from '../../observability/tracing-config.js';
import { summarize, tracer } from '../../observability/tracing.js';
import type { Tracer } from '../../observability/tracing.js';
import { packageVersion } from '../../package-info.js';
import type { ExposesControl } from '../../spec/types.js';
import { replaceable } from '../adapter.js';
import type { ListenOptions, RunningAdapter } from '../adapter.js';
import { adapterAuthenticator, mountDeclaredAuth, refusalAsProblem } from '../auth/adapter-auth.js';
import type { RefusalEvent } from '../auth/guard.js';
import type { InboundAuthenticator } from '../auth/inbound-auth.js';
import { closeConnectionsWhenStopping, stopGracefully } from '../graceful-stop.js';
import { createHttpApp } from '../http-app.js';
import { listenOn } from '../listen.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from '../problem.js';
import { isReady } from './adapter-states.js';
import type { AdapterStates } from './adapter-states.js';

export interface ControlAdapterOptions extends ListenOptions {
  /** The states of the capability's adapters, read on each request. */
  readonly states: AdapterStates;
  /** When the capability started (ms since the epoch); the process start by default. */
  readonly startedAt?: number;
  readonly authenticator?: InboundAuthenticator;
  readonly onRefused?: (event: RefusalEvent) => void;
  readonly onWarning?: (event: string, message: string) => void;
}

export const CONTROL_NAMESPACE = 'control';

export function buildControlApp(
  adapter: ExposesControl,
  runtime: Runtime,
  options: ControlAdapterOptions,
): FastifyInstance {
  const app = createHttpApp({
    routerOptions: { ignoreTrailingSlash: true },
    limits: options.limits,
  });
  closeConnectionsWhenStopping(app);
  const fail = (reply: FastifyReply, err: unknown) => {
    const problem = problemFor(err, runtime.redact);
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  };
  mountDeclaredAuth(
    app,
    { ...adapter, namespace: CONTROL_NAMESPACE },
    options,
    refusalAsProblem(fail),
  );
  const management = adapter.management ?? {};
  const startedAt = options.startedAt ?? Date.now() - process.uptime() * 1000;

  if (management.health !== false) {
    app.get('/health/live', (_request, reply) => reply.send({ status: 'UP' }));
    app.get('/health/ready', (_request, reply) => {
      const adapters = options.states();
      const ready = isReady(adapters);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'UP' : 'DEGRADED', adapters });
    });
  }
  if (management.info === true) {
    const doc = runtime.capability.doc;
    app.get('/status', (_request, reply) =>
      reply.send({
        capability: {
          ...(doc.info?.label !== undefined ? { label: doc.info.label } : {}),
          specVersion: doc.naftiko,
        },
        engine: { name: 'naftiko-engine', version: packageVersion(), node: process.version },
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        adapters: options.states(),
      }),
    );
  }
  const recorder = metrics();
  if (recorder.enabled && wantsMetrics(adapter)) {
    app.get('/metrics', async (_request, reply) => {
      const text = await recorder.exposition();
      if (text === undefined) throw new NaftikoError('ROUTE_NOT_FOUND', 'metrics are off');
      return reply.type(text.contentType).send(text.body);
    });
  }
  const tracing = tracer();
  if (tracing.enabled && wantsLocalTraces(adapter)) mountTraces(app, tracing, fail);
  app.setNotFoundHandler((request, reply) =>
    fail(
      reply,
      new NaftikoError('ROUTE_NOT_FOUND', `no control endpoint at ${request.url.split('?')[0]}`),
    ),
  );
  app.setErrorHandler((err, _request, reply) => fail(reply, err));
  return app;
}

/**
 * `GET /traces`: the recent traces, newest first, as summaries — filtered by `?operation=`
 * (operation or tool name, or the root span's name), `?status=` (`ok`, `error`, a status such
 * as `502`, or a class such as `5xx`) and `?limit=`. `GET /traces/{id}`: one trace with all its
 * spans (404 problem+json when it is not, or no longer, in the buffer).
 */
function mountTraces(
  app: FastifyInstance,
  tracing: Tracer,
  fail: (reply: FastifyReply, err: unknown) => unknown,
): void {
  app.get('/traces', (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const problems: string[] = [];
    const text = (name: string): string | undefined => {
      const value = query[name];
      if (value === undefined) return undefined;
      if (typeof value === 'string' && value !== '') return value;
      problems.push(`${name} must be given once, not empty`);
      return undefined;
    };
    const operation = text('operation');
    const status = text('status');
    const limitText = text('limit');
    if (status !== undefined && !/^(ok|error|[1-5]xx|[1-5]\d\d)$/i.test(status)) {
      problems.push('status must be ok, error, an HTTP status (502) or a class (5xx)');
    }
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      problems.push('limit must be a positive integer');
    }
    if (problems.length > 0) {
      return fail(
        reply,
        new NaftikoError('INPUT_INVALID', problems.join('; '), { details: { problems } }),
      );
    }
    const traces = tracing.list({
      ...(operation !== undefined ? { operation } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    return reply.send({ count: traces.length, traces });
  });
  app.get('/traces/:id', (request, reply) => {
    const { id } = request.params as { id: string };
    const trace = tracing.get(id.toLowerCase());
    if (trace === undefined) {
      return fail(reply, new NaftikoError('ROUTE_NOT_FOUND', `no recent trace ${id}`));
    }
    return reply.send({
      ...summarize(trace),
      spans: trace.spans.map((span) => ({
        spanId: span.spanId,
        ...(span.parentSpanId !== undefined ? { parentSpanId: span.parentSpanId } : {}),
        name: span.name,
        kind: span.kind,
        startTime: new Date(span.startTime).toISOString(),
        durationMs: Math.round((span.endTime - span.startTime) * 1000) / 1000,
        status: span.status,
        ...(span.statusMessage !== undefined ? { statusMessage: span.statusMessage } : {}),
        attributes: span.attributes,
      })),
    });
  });
}

export async function startControlAdapter(
  adapter: ExposesControl,
  runtime: Runtime,
  options: ControlAdapterOptions,
): Promise<RunningAdapter> {
  const app = await controlApp(adapter, runtime, options);
  const host = options.address ?? adapter.address ?? 'localhost';
  const port = options.port ?? adapter.port;
  const url = await listenOn(app, 'control adapter', host, port);
  return replaceable(
    {
      type: 'control',
      namespace: CONTROL_NAMESPACE,
      url,
      async stop(graceMs = 10_000) {
        // Control requests are short: a second of grace at most.
        await stopGracefully(app, Math.min(graceMs, 1_000));
      },
    },
    { app },
    async (next, nextRuntime, nextOptions) => ({
      app: await controlApp(
        next as ExposesControl,
        nextRuntime,
        nextOptions as ControlAdapterOptions,
      ),
    }),
  );
}

async function controlApp(
  adapter: ExposesControl,
  runtime: Runtime,
  options: ControlAdapterOptions,
): Promise<FastifyInstance> {
  const authenticator = await adapterAuthenticator(
    {
      type: 'control',
      namespace: CONTROL_NAMESPACE,
      ...(adapter.authentication ? { authentication: adapter.authentication } : {}),
    },
    runtime.bound,
    options,
  );
  return buildControlApp(adapter, runtime, {
    ...options,
    ...(authenticator ? { authenticator } : {}),
  });
}
