/**
 * RED metrics of an HTTP adapter (issue 10): one `onResponse` hook, mounted only when metrics
 * are on, records each answered request with a bounded operation label — the route's declared
 * operation (`config.operation`), else `METHOD route-template`, else `unmatched` for a request
 * that matched no route (never the raw path). The duration is fastify's own measure
 * (`reply.elapsedTime`, from the request's arrival to the end of the answer), so no clock is read
 * here. Auth refusals and body errors are counted under their route like any answer.
 */
import type { FastifyInstance } from 'fastify';
import { UNMATCHED, statusClass } from '../observability/metrics.js';
import type { MetricsRecorder } from '../observability/metrics.js';

export function mountRequestMetrics(
  app: FastifyInstance,
  recorder: MetricsRecorder,
  adapterType: string,
  adapter: string,
): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions;
    const declared = (route.config as { operation?: unknown } | undefined)?.operation;
    const operation =
      typeof declared === 'string'
        ? declared
        : route.url !== undefined
          ? `${request.method} ${route.url}`
          : UNMATCHED;
    recorder.recordRequest(
      adapterType,
      adapter,
      operation,
      statusClass(reply.statusCode),
      reply.elapsedTime / 1000,
    );
    done();
  });
}
