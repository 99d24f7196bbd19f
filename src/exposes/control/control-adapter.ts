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
 * Anything else is 404 problem+json. Its declared `authentication` is enforced like any adapter's.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NaftikoError } from '../../errors.js';
import type { Runtime } from '../../engine/runtime.js';
import { metrics, wantsMetrics } from '../../observability/metrics.js';
import { packageVersion } from '../../package-info.js';
import type { ExposesControl } from '../../spec/types.js';
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
  const app = createHttpApp({ routerOptions: { ignoreTrailingSlash: true } });
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
  app.setNotFoundHandler((request, reply) =>
    fail(
      reply,
      new NaftikoError('ROUTE_NOT_FOUND', `no control endpoint at ${request.url.split('?')[0]}`),
    ),
  );
  app.setErrorHandler((err, _request, reply) => fail(reply, err));
  return app;
}

export async function startControlAdapter(
  adapter: ExposesControl,
  runtime: Runtime,
  options: ControlAdapterOptions,
): Promise<RunningAdapter> {
  const authenticator = await adapterAuthenticator(
    {
      type: 'control',
      namespace: CONTROL_NAMESPACE,
      ...(adapter.authentication ? { authentication: adapter.authentication } : {}),
    },
    runtime.bound,
    options,
  );
  const app = buildControlApp(adapter, runtime, {
    ...options,
    ...(authenticator ? { authenticator } : {}),
  });
  const host = options.address ?? adapter.address ?? 'localhost';
  const port = options.port ?? adapter.port;
  const url = await listenOn(app, 'control adapter', host, port);
  return {
    type: 'control',
    namespace: CONTROL_NAMESPACE,
    url,
    async stop(graceMs = 10_000) {
      // Control requests are short: a second of grace at most.
      await stopGracefully(app, Math.min(graceMs, 1_000));
    },
  };
}
