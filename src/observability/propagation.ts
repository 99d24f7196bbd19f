/**
 * Trace context on the wire (tracing.ts): W3C Trace Context (`traceparent`, `tracestate`) by
 * default, B3 (single `b3` header, or the `X-B3-*` headers) with `propagation: b3`. Incoming
 * headers are parsed by OpenTelemetry's own code (`parseTraceParent` from @opentelemetry/core,
 * `B3Propagator` from @opentelemetry/propagator-b3), so malformed or all-zero ids, version `ff`
 * and the like are refused exactly as the OpenTelemetry SDKs refuse them: such a request starts a
 * new trace. Outgoing W3C headers are written directly (`00-<trace>-<span>-<flags>`).
 * Loaded by `enableTracing()` only.
 */
import type { Propagator, RemoteContext } from './tracing.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Longest `tracestate` passed on (W3C: at most 32 members; 512 characters is the usual cut). */
const MAX_TRACESTATE = 512;

export async function createPropagator(kind: 'w3c' | 'b3'): Promise<Propagator> {
  return kind === 'b3' ? b3Propagator() : w3cPropagator();
}

async function w3cPropagator(): Promise<Propagator> {
  const { parseTraceParent } = await import('@opentelemetry/core');
  return {
    extract(headers) {
      const header = first(headers['traceparent']);
      if (header === undefined) return undefined;
      const parsed = parseTraceParent(header);
      if (parsed === null) return undefined;
      const state = first(headers['tracestate']);
      return {
        traceId: parsed.traceId,
        spanId: parsed.spanId,
        sampled: (parsed.traceFlags & 1) === 1,
        traceState: state !== undefined && state.length <= MAX_TRACESTATE ? state : undefined,
      };
    },
    inject(headers, traceId, spanId, sampled, traceState) {
      headers['traceparent'] = `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
      if (traceState !== undefined) headers['tracestate'] = traceState;
    },
  };
}

async function b3Propagator(): Promise<Propagator> {
  const [{ B3Propagator, B3InjectEncoding }, api] = await Promise.all([
    import('@opentelemetry/propagator-b3'),
    import('@opentelemetry/api'),
  ]);
  const extractor = new B3Propagator();
  // Injected as the multi-header form, which every B3 implementation reads.
  const injector = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  const getter = {
    keys: (carrier: Headers) => Object.keys(carrier),
    get: (carrier: Headers, key: string) => carrier[key.toLowerCase()],
  };
  const setter = {
    set: (carrier: Record<string, string>, key: string, value: string) => {
      carrier[key.toLowerCase()] = value;
    },
  };
  return {
    extract(headers): RemoteContext | undefined {
      const context = extractor.extract(api.ROOT_CONTEXT, headers, getter);
      const span = api.trace.getSpanContext(context);
      if (span === undefined || !api.isSpanContextValid(span)) return undefined;
      return {
        traceId: span.traceId,
        spanId: span.spanId,
        sampled: (span.traceFlags & api.TraceFlags.SAMPLED) === api.TraceFlags.SAMPLED,
        traceState: undefined,
      };
    },
    inject(headers, traceId, spanId, sampled) {
      const context = api.trace.setSpanContext(api.ROOT_CONTEXT, {
        traceId,
        spanId,
        traceFlags: sampled ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE,
        isRemote: false,
      });
      injector.inject(context, headers, setter);
    },
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
