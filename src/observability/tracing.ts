/**
 * Traces (issue 10): one trace per inbound request — a server span for the REST operation or MCP
 * tool call, an internal span per orchestration step, a client span per upstream exchange —
 * kept in a ring buffer for the control adapter's `/traces` and, when an OTLP endpoint is
 * configured, exported over OTLP/HTTP with the OpenTelemetry SDK's exporter (otlp-export.ts).
 *
 * The spans follow OpenTelemetry's data model (16-byte trace id, 8-byte span ids, kinds, status,
 * attributes named after the semantic conventions) but are recorded by this module, not by the
 * SDK's tracer: a span here is a plain object with no context manager, sampler chain or span
 * processor behind it (about a quarter of the SDK tracer's cost per span, measured). The trace
 * context travels with the request explicitly (the span is passed down the invocation), never
 * through AsyncLocalStorage, whose promise hooks cost every async step on Node 20.
 *
 * W3C `traceparent`/`tracestate` (or B3, `propagation: b3`) are honoured on the way in — the
 * request continues the caller's trace and follows its sampled flag — and written on every
 * upstream request. Parsing uses @opentelemetry/core (`parseTraceParent`) and
 * @opentelemetry/propagator-b3, loaded by `enableTracing()` only.
 *
 * Until `enableTracing()` runs the tracer is a no-op whose `enabled` is false: callers check that
 * before anything else, so a capability without tracing pays one property read per request.
 * A leaf: imports no layer (exposes, engine, consumes, spec).
 */
import { randomFillSync } from 'node:crypto';

export type SpanKind = 'server' | 'client' | 'internal';
export type AttributeValue = string | number | boolean;
export type SpanStatus = 'unset' | 'ok' | 'error';

/** What the ring buffer and the exporter receive: a span that has ended. */
export interface FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** The parent span; for the root, the caller's span when it sent a `traceparent`. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: SpanKind;
  /** Epoch milliseconds, fractional. */
  readonly startTime: number;
  readonly endTime: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly status: SpanStatus;
  readonly statusMessage: string | undefined;
}

export interface FinishedTrace {
  readonly traceId: string;
  /** The local root (the inbound request's span) first, then the others in start order. */
  readonly spans: readonly FinishedSpan[];
}

/** A span being recorded, or the stand-in of an unsampled request (`recording` false). */
export interface Span {
  readonly recording: boolean;
  readonly traceId: string;
  readonly spanId: string;
  /** A child span of this one (the same object when not recording). */
  child(name: string, kind: SpanKind, attributes?: Record<string, AttributeValue>): Span;
  setAttribute(name: string, value: AttributeValue): void;
  /** Ends the span: status error with `error` (a stable code, never a secret), else ok/unset. */
  end(error?: string): void;
  /** Writes the propagation headers (`traceparent`, or B3) for a request made under this span. */
  inject(headers: Record<string, string>): void;
}

export interface TraceSummary {
  readonly traceId: string;
  readonly name: string;
  readonly adapter: string | undefined;
  readonly operation: string | undefined;
  readonly status: 'ok' | 'error';
  readonly httpStatus: number | undefined;
  readonly startTime: string;
  readonly durationMs: number;
  readonly spanCount: number;
}

export interface TraceFilter {
  /** Operation or tool name (`naftiko.operation`), or the root span's name. */
  readonly operation?: string;
  /** `ok`, `error`, an HTTP status (`502`) or a class (`5xx`). */
  readonly status?: string;
  readonly limit?: number;
}

export interface Tracer {
  readonly enabled: boolean;
  /**
   * The server span of an inbound request, continuing the caller's trace when its headers carry
   * one (undefined when tracing is off).
   */
  startServer(
    name: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    attributes: Record<string, AttributeValue>,
  ): Span | undefined;
  /** Recent traces, newest first (empty when the ring buffer is off). */
  list(filter?: TraceFilter): TraceSummary[];
  /** One recent trace by id. */
  get(traceId: string): FinishedTrace | undefined;
  /** Sends what the exporter still holds (on shutdown). */
  flush(): Promise<void>;
}

export interface TracingOptions {
  /** Traces kept for `/traces` (0: no ring buffer). */
  readonly bufferSize: number;
  /** Share of new traces recorded, 0..1 (a caller's sampled flag always wins). */
  readonly sampling: number;
  readonly propagation: 'w3c' | 'b3';
  /**
   * OTLP/HTTP export: `endpoint` is a base URL (`/v1/traces` appended unless present); `{}`
   * leaves it to the standard `OTEL_EXPORTER_OTLP_*` variables; undefined: no export.
   */
  readonly otlp?: { readonly endpoint?: string | undefined } | undefined;
  /** `service.name` of exported spans. */
  readonly serviceName: string;
  readonly onExportError?: (message: string) => void;
}

/** The parsed propagation headers of a request: the caller's span context. */
export interface RemoteContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
  readonly traceState: string | undefined;
}

/** Reads and writes the propagation headers (w3c or b3): propagation.ts. */
export interface Propagator {
  extract(
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): RemoteContext | undefined;
  inject(
    headers: Record<string, string>,
    traceId: string,
    spanId: string,
    sampled: boolean,
    traceState: string | undefined,
  ): void;
}

const NOOP: Tracer = {
  enabled: false,
  startServer: () => undefined,
  list: () => [],
  get: () => undefined,
  flush: async () => {},
};

let current: Tracer = NOOP;

/** The tracer in force: read it where a request starts (or once, when an adapter is built). */
export function tracer(): Tracer {
  return current;
}

/** Turns tracing on for this process; call it before the adapters are built. */
export async function enableTracing(options: TracingOptions): Promise<Tracer> {
  const { createPropagator } = await import('./propagation.js');
  const propagator = await createPropagator(options.propagation);
  const store = options.bufferSize > 0 ? new TraceStore(options.bufferSize) : undefined;
  const exporter =
    options.otlp !== undefined
      ? (await import('./otlp-export.js')).createOtlpExport(
          options.otlp.endpoint,
          options.serviceName,
          options.onExportError,
        )
      : undefined;
  const sink = (trace: FinishedTrace) => {
    store?.add(trace);
    exporter?.export(trace);
  };
  current = createTracer(options.sampling, propagator, sink, store, exporter);
  return current;
}

/** Back to the no-op tracer (for tests and embedding); pending exports are flushed. */
export async function disableTracing(): Promise<void> {
  const previous = current;
  current = NOOP;
  await previous.flush();
}

function createTracer(
  sampling: number,
  propagator: Propagator,
  sink: (trace: FinishedTrace) => void,
  store: TraceStore | undefined,
  exporter: { flush(): Promise<void> } | undefined,
): Tracer {
  return {
    enabled: true,
    startServer(name, headers, attributes) {
      const remote = propagator.extract(headers);
      const sampled =
        remote !== undefined ? remote.sampled : sampling >= 1 || Math.random() < sampling;
      const traceId = remote?.traceId ?? randomId(16);
      const record: TraceRecord = {
        traceId,
        sampled,
        traceState: remote?.traceState,
        propagator,
        sink,
        spans: [],
      };
      if (!sampled) {
        // Not recorded, but the trace goes on upstream (flag 00), under the caller's span.
        return new QuietSpan(record, remote?.spanId ?? randomId(8));
      }
      return new RecordingSpan(record, name, 'server', remote?.spanId, attributes);
    },
    list: (filter) => store?.list(filter) ?? [],
    get: (traceId) => store?.get(traceId),
    flush: async () => {
      await exporter?.flush();
    },
  };
}

interface TraceRecord {
  readonly traceId: string;
  readonly sampled: boolean;
  readonly traceState: string | undefined;
  readonly propagator: Propagator;
  readonly sink: (trace: FinishedTrace) => void;
  /** Every span of the trace, root first; delivered to the sink when the root ends. */
  readonly spans: RecordingSpan[];
}

const now = (): number => performance.timeOrigin + performance.now();

class RecordingSpan implements Span, FinishedSpan {
  readonly recording = true;
  readonly traceId: string;
  readonly spanId: string;
  readonly startTime: number;
  endTime = 0;
  status: SpanStatus = 'unset';
  statusMessage: string | undefined = undefined;
  readonly #record: TraceRecord;

  constructor(
    record: TraceRecord,
    readonly name: string,
    readonly kind: SpanKind,
    readonly parentSpanId: string | undefined,
    readonly attributes: Record<string, AttributeValue>,
  ) {
    this.#record = record;
    this.traceId = record.traceId;
    this.spanId = randomId(8);
    this.startTime = now();
    record.spans.push(this);
  }

  child(name: string, kind: SpanKind, attributes: Record<string, AttributeValue> = {}): Span {
    return new RecordingSpan(this.#record, name, kind, this.spanId, attributes);
  }

  setAttribute(name: string, value: AttributeValue): void {
    this.attributes[name] = value;
  }

  end(error?: string): void {
    if (this.endTime !== 0) return;
    this.endTime = now();
    if (error !== undefined) {
      this.status = 'error';
      this.statusMessage = error;
    }
    const record = this.#record;
    if (record.spans[0] !== this) return;
    // The local root ended: the trace is complete. A child still open (an upstream call the
    // caller abandoned) ends with it.
    for (const span of record.spans) {
      if (span.endTime === 0) {
        span.endTime = this.endTime;
        span.status = 'error';
        span.statusMessage = 'unfinished';
      }
    }
    record.sink({ traceId: record.traceId, spans: record.spans });
  }

  inject(headers: Record<string, string>): void {
    const r = this.#record;
    r.propagator.inject(headers, r.traceId, this.spanId, true, r.traceState);
  }
}

/** An unsampled request: nothing recorded, the caller's trace context propagated as it came. */
class QuietSpan implements Span {
  readonly recording = false;
  readonly traceId: string;
  readonly #record: TraceRecord;

  constructor(
    record: TraceRecord,
    readonly spanId: string,
  ) {
    this.#record = record;
    this.traceId = record.traceId;
  }

  child(): Span {
    return this;
  }

  setAttribute(): void {}

  end(): void {}

  inject(headers: Record<string, string>): void {
    const r = this.#record;
    r.propagator.inject(headers, r.traceId, this.spanId, false, r.traceState);
  }
}

/** The last N traces, oldest overwritten first. */
class TraceStore {
  readonly #ring: (FinishedTrace | undefined)[];
  #next = 0;

  constructor(size: number) {
    this.#ring = new Array<FinishedTrace | undefined>(size).fill(undefined);
  }

  add(trace: FinishedTrace): void {
    this.#ring[this.#next] = trace;
    this.#next = (this.#next + 1) % this.#ring.length;
  }

  /** Newest first. */
  *#newest(): Generator<FinishedTrace> {
    const n = this.#ring.length;
    for (let i = 1; i <= n; i++) {
      const trace = this.#ring[(this.#next - i + n) % n];
      if (trace !== undefined) yield trace;
    }
  }

  get(traceId: string): FinishedTrace | undefined {
    for (const trace of this.#newest()) if (trace.traceId === traceId) return trace;
    return undefined;
  }

  list(filter: TraceFilter = {}): TraceSummary[] {
    const out: TraceSummary[] = [];
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    for (const trace of this.#newest()) {
      if (out.length >= limit) break;
      const summary = summarize(trace);
      if (filter.operation !== undefined && !matchesOperation(summary, filter.operation)) continue;
      if (filter.status !== undefined && !matchesStatus(summary, filter.status)) continue;
      out.push(summary);
    }
    return out;
  }
}

export function summarize(trace: FinishedTrace): TraceSummary {
  const root = trace.spans[0] as FinishedSpan;
  const httpStatus = root.attributes['http.response.status_code'];
  const adapter = root.attributes['naftiko.adapter'];
  const operation = root.attributes['naftiko.operation'];
  return {
    traceId: trace.traceId,
    name: root.name,
    adapter: typeof adapter === 'string' ? adapter : undefined,
    operation: typeof operation === 'string' ? operation : undefined,
    status: root.status === 'error' ? 'error' : 'ok',
    httpStatus: typeof httpStatus === 'number' ? httpStatus : undefined,
    startTime: new Date(root.startTime).toISOString(),
    durationMs: Math.round((root.endTime - root.startTime) * 1000) / 1000,
    spanCount: trace.spans.length,
  };
}

function matchesOperation(summary: TraceSummary, wanted: string): boolean {
  return summary.operation === wanted || summary.name === wanted;
}

function matchesStatus(summary: TraceSummary, wanted: string): boolean {
  const w = wanted.toLowerCase();
  if (w === 'ok' || w === 'error') return summary.status === w;
  if (summary.httpStatus === undefined) return false;
  if (/^[1-5]xx$/.test(w)) return Math.floor(summary.httpStatus / 100) === Number(w[0]);
  return String(summary.httpStatus) === w;
}

/** Random ids from a pooled buffer: one `randomFillSync` per 256 ids, never all zeros. */
const POOL = Buffer.allocUnsafe(4096);
const ZEROS = { 8: '0'.repeat(16), 16: '0'.repeat(32) } as const;
let poolOffset = POOL.length;

export function randomId(bytes: 8 | 16): string {
  for (;;) {
    if (poolOffset + bytes > POOL.length) {
      randomFillSync(POOL);
      poolOffset = 0;
    }
    const id = POOL.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (id !== ZEROS[bytes]) return id;
  }
}
