/**
 * OTLP/HTTP export of finished traces (tracing.ts), with OpenTelemetry's own exporter and batch
 * processor: each span becomes the SDK's `ReadableSpan` when its trace completes, and the
 * `BatchSpanProcessor` queues, batches and sends them off the request path.
 *
 * The endpoint: the capability's `exporters.otlp.endpoint` (a base URL; `/v1/traces` is
 * appended unless it is already there), else the standard environment variables, which the
 * exporter reads itself (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_HEADERS`...). Export failures never reach a request: they are reported
 * through `onError`, at most once a minute. Loaded only when an endpoint is configured. The
 * resource: the capability's label as `service.name`, the engine's version, a
 * `service.instance.id` per process, and `OTEL_RESOURCE_ATTRIBUTES`/`OTEL_SERVICE_NAME`.
 */
import { randomUUID } from 'node:crypto';
import { SpanKind as OtelSpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { HrTime, SpanContext } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { packageVersion } from '../package-info.js';
import type { FinishedSpan, FinishedTrace, SpanKind } from './tracing.js';

const KINDS: Record<SpanKind, OtelSpanKind> = {
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  internal: OtelSpanKind.INTERNAL,
};

export interface OtlpExport {
  export(trace: FinishedTrace): void;
  flush(): Promise<void>;
}

export function createOtlpExport(
  endpoint: string | undefined,
  serviceName: string,
  onError: ((message: string) => void) | undefined,
): OtlpExport {
  const exporter = new OTLPTraceExporter(
    endpoint === undefined ? {} : { url: tracesUrl(endpoint) },
  );
  // The standard OTEL_BSP_SCHEDULE_DELAY (ms) sets the batch delay, as in the other SDKs.
  const delay = Number(process.env['OTEL_BSP_SCHEDULE_DELAY']);
  const processor = new BatchSpanProcessor({
    exporter: reporting(exporter, onError),
    scheduledDelayMillis: Number.isFinite(delay) && delay > 0 ? delay : 2000,
  });
  // One id per process (each instance, each --workers worker), and the standard
  // OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME on top (they win, as in the other SDKs).
  const resource = resourceFromAttributes({
    'service.name': serviceName,
    'service.version': packageVersion(),
    'service.instance.id': randomUUID(),
  }).merge(detectResources({ detectors: [envDetector] }));
  const scope = { name: 'naftiko-engine', version: packageVersion() };
  return {
    export(trace) {
      for (const span of trace.spans) processor.onEnd(readable(span, resource, scope));
    },
    flush: () => processor.forceFlush(),
  };
}

/** `http://collector:4318` → `http://collector:4318/v1/traces` (kept when already there). */
export function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

function readable(
  span: FinishedSpan,
  resource: ReadableSpan['resource'],
  instrumentationScope: ReadableSpan['instrumentationScope'],
): ReadableSpan {
  const context: SpanContext = {
    traceId: span.traceId,
    spanId: span.spanId,
    traceFlags: TraceFlags.SAMPLED,
  };
  const parent: SpanContext | undefined =
    span.parentSpanId !== undefined
      ? { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: TraceFlags.SAMPLED }
      : undefined;
  return {
    name: span.name,
    kind: KINDS[span.kind],
    spanContext: () => context,
    ...(parent !== undefined ? { parentSpanContext: parent } : {}),
    startTime: hrTime(span.startTime),
    endTime: hrTime(span.endTime),
    duration: hrTime(span.endTime - span.startTime),
    status:
      span.status === 'error'
        ? {
            code: SpanStatusCode.ERROR,
            ...(span.statusMessage !== undefined ? { message: span.statusMessage } : {}),
          }
        : { code: span.status === 'ok' ? SpanStatusCode.OK : SpanStatusCode.UNSET },
    attributes: span.attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** Milliseconds (epoch or a duration) as OpenTelemetry's [seconds, nanoseconds]. */
function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** The exporter, reporting failed batches (at most once a minute, with the count dropped). */
function reporting(inner: SpanExporter, onError: ((message: string) => void) | undefined) {
  let lastReport = 0;
  let dropped = 0;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      inner.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          dropped += spans.length;
          const at = Date.now();
          if (onError !== undefined && at - lastReport >= 60_000) {
            onError(
              `OTLP trace export failed (${dropped} span(s) dropped): ${result.error?.message ?? 'unknown error'}`,
            );
            lastReport = at;
            dropped = 0;
          }
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  } satisfies SpanExporter;
}
