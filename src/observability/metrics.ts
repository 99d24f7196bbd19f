/**
 * The process's metrics recorder (issue 10, DESIGN.md "observability/ leaf"): what the adapters
 * and the HTTP consumer call, without knowing whether anything is collected. Until
 * `enableMetrics()` runs — a capability with a control adapter that serves `/metrics` — the
 * recorder is a no-op whose `enabled` is false: callers check that one property before taking a
 * clock reading or building labels, so a disabled engine pays nothing on the hot path, and
 * prom-client is never loaded (it is imported by `enableMetrics()` only).
 *
 * A leaf: imports no layer (exposes, engine, consumes, spec).
 */

/** One label set of a metric, resolved once (at build time): observing costs no label lookup. */
export interface Observer {
  /** One observation: `outcome` is a status class (`2xx`), `ok`/`error`, or an error code. */
  observe(outcome: string, seconds: number): void;
}

export interface MetricsRecorder {
  readonly enabled: boolean;
  /** The observer of one adapter operation or tool (same labels as `recordRequest`). */
  requestObserver(adapterType: string, adapter: string, operation: string): Observer;
  /** The observer of one consumed operation's upstream exchanges. */
  upstreamObserver(namespace: string, operation: string): Observer;
  /** One request refused by an adapter's inbound authentication (`code`: AUTH_*). */
  recordRefusal(adapterType: string, adapter: string, code: string): void;
  /** One retry of an upstream exchange (`label`: `namespace.operation`). */
  recordRetry(label: string): void;
  /** A circuit breaker's new state for an upstream origin. */
  recordCircuit(namespace: string, origin: string, state: 'closed' | 'open' | 'half-open'): void;
  /** One script step that failed (`reason`: timeout, statements, memory, stack, exception). */
  recordScriptFailure(step: string, reason: string): void;
  /**
   * One inbound request answered by an adapter. `operation` is bounded: an operation or tool
   * name, a `METHOD route-template`, or `unmatched` — never a raw path or id.
   */
  recordRequest(
    adapterType: string,
    adapter: string,
    operation: string,
    statusClass: string,
    seconds: number,
  ): void;
  /** One upstream exchange: `outcome` is a status class (`2xx`) or an error code. */
  recordUpstream(namespace: string, operation: string, outcome: string, seconds: number): void;
  /** The Prometheus text exposition (undefined when disabled). */
  exposition(): Promise<{ contentType: string; body: string }> | undefined;
}

/** The operation label of a request that matched no route or tool. */
export const UNMATCHED = 'unmatched';

const NOOP_OBSERVER: Observer = { observe() {} };

const NOOP: MetricsRecorder = {
  enabled: false,
  requestObserver: () => NOOP_OBSERVER,
  upstreamObserver: () => NOOP_OBSERVER,
  recordRefusal() {},
  recordScriptFailure() {},
  recordRetry() {},
  recordCircuit() {},
  recordRequest() {},
  recordUpstream() {},
  exposition: () => undefined,
};

let current: MetricsRecorder = NOOP;
let enabling: Promise<MetricsRecorder> | undefined;

/** The recorder in force: read it where a request starts (or once, when an adapter is built). */
export function metrics(): MetricsRecorder {
  return current;
}

/**
 * Turns metrics on for this process: one prom-client registry, created on the first call (later
 * calls return the same recorder). Call it before the adapters are built: they pick the
 * recorder up then.
 */
export function enableMetrics(): Promise<MetricsRecorder> {
  enabling ??= import('./prometheus-recorder.js').then(({ createPrometheusRecorder }) => {
    current = createPrometheusRecorder();
    return current;
  });
  return enabling;
}

/** Back to the no-op recorder (the registry is dropped): for tests and embedding. */
export function disableMetrics(): void {
  current = NOOP;
  enabling = undefined;
}

const STATUS_CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** `2xx`, `4xx`... for an HTTP status (constant strings: nothing allocated per request). */
export function statusClass(status: number): string {
  return status >= 100 && status < 600
    ? (STATUS_CLASSES[Math.floor(status / 100)] as string)
    : 'other';
}

/** The observability part of a control adapter's spec (structural: this leaf imports no spec). */
export interface ObservabilityToggles {
  readonly observability?: {
    readonly enabled?: boolean;
    readonly metrics?: { readonly local?: { readonly enabled?: boolean } };
  };
}

/**
 * Whether a control adapter serves `/metrics`: unless `observability.enabled: false` or
 * `observability.metrics.local.enabled: false` (schema ObservabilitySpec, LocalEndpointToggle).
 */
export function wantsMetrics(control: ObservabilityToggles): boolean {
  const o = control.observability;
  return o?.enabled !== false && o?.metrics?.local?.enabled !== false;
}
