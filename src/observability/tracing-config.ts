/**
 * What tracing a run wants (issue 10), from its control adapters and the environment:
 * - a control adapter keeps recent traces for `GET /traces` unless `observability.enabled:
 *   false` or `observability.traces.local.enabled: false` (`buffer-size` traces, 100 by default);
 * - spans are exported over OTLP/HTTP to the control adapter's `observability.exporters.otlp
 *   .endpoint`, else when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`
 *   is set (with or without a control adapter: an instance behind a balancer exports its spans);
 * - `observability.enabled: false` on a control adapter turns all of it off, the environment
 *   included; `traces.sampling` (default 1: every request) and `traces.propagation` (`w3c`
 *   default, or `b3`) come from the first control adapter that says.
 * Undefined: no tracing at all (the tracer stays a no-op).
 */
import type { TracingOptions } from './tracing.js';

/** The traces part of a control adapter's spec (schema ObservabilitySpec). */
export interface TraceToggles {
  readonly observability?: {
    readonly enabled?: boolean;
    readonly traces?: {
      readonly sampling?: number;
      readonly propagation?: 'w3c' | 'b3';
      readonly local?: { readonly enabled?: boolean; readonly 'buffer-size'?: number };
    };
    readonly exporters?: { readonly otlp?: { readonly endpoint: string } };
  };
}

/**
 * Whether a control adapter keeps recent traces for `/traces`: unless `observability.enabled:
 * false` or `observability.traces.local.enabled: false`.
 */
export function wantsLocalTraces(control: TraceToggles): boolean {
  const o = control.observability;
  return o?.enabled !== false && o?.traces?.local?.enabled !== false;
}

export const DEFAULT_TRACE_BUFFER = 100;

export function tracingOptions(
  controls: readonly TraceToggles[],
  env: Readonly<Record<string, string | undefined>>,
  serviceName: string,
): Omit<TracingOptions, 'onExportError'> | undefined {
  if (controls.some((c) => c.observability?.enabled === false)) return undefined;
  const local = controls.find(wantsLocalTraces);
  const traces = controls.find((c) => c.observability?.traces !== undefined)?.observability?.traces;
  const endpoint = controls.find((c) => c.observability?.exporters?.otlp !== undefined)
    ?.observability?.exporters?.otlp?.endpoint;
  const fromEnv =
    nonEmpty(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) ||
    nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const otlp = endpoint !== undefined ? { endpoint } : fromEnv ? {} : undefined;
  if (local === undefined && otlp === undefined) return undefined;
  return {
    bufferSize:
      local === undefined
        ? 0
        : (local.observability?.traces?.local?.['buffer-size'] ?? DEFAULT_TRACE_BUFFER),
    sampling: traces?.sampling ?? 1,
    propagation: traces?.propagation ?? 'w3c',
    ...(otlp !== undefined ? { otlp } : {}),
    serviceName: nonEmpty(env['OTEL_SERVICE_NAME'])
      ? (env['OTEL_SERVICE_NAME'] as string)
      : serviceName,
  };
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}
