/**
 * The recorder behind `enableMetrics()` (metrics.ts): one prom-client `Registry` for the
 * process, with its default process metrics (`process_*`, `nodejs_*`) and the engine's RED
 * metrics, named after Prometheus conventions (`_total` counters, `_seconds` histograms). The
 * engine's metrics are counted in a SeriesStore (plain numbers per label set, see
 * series-store.ts) and handed to the registry when it is scraped.
 * Labels are bounded by construction: the callers pass adapter namespaces, operation or tool
 * names, route templates, status classes and error codes — never a raw path, id or value.
 * Loaded only when metrics are on, so prom-client costs nothing to a capability without them.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metric } from 'prom-client';
import type { MetricsRecorder } from './metrics.js';
import { SeriesStore } from './series-store.js';
import { provideWorkerMetrics, scrapeCluster } from './cluster-metrics.js';
import { isClusterWorker } from './worker-channel.js';
import type { ScrapedMetric } from './series-store.js';

/** Seconds: from 1 ms (a local upstream) to 30 s (the default total upstream timeout). */
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createPrometheusRecorder(): MetricsRecorder {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new SeriesStore(['adapter_type', 'adapter', 'operation'], BUCKETS);
  const upstream = new SeriesStore(['namespace', 'operation'], BUCKETS);
  const register = (metric: ScrapedMetric) =>
    // The registry only calls get() and reads name, help, type and aggregator.
    registry.registerMetric(metric as unknown as Metric);
  register(
    requests.counter(
      'naftiko_requests_total',
      'Requests answered by the exposed adapters, by operation and status class.',
      'status_class',
    ),
  );
  register(
    requests.histogram(
      'naftiko_request_duration_seconds',
      'Time from receiving a request to the end of its answer, in seconds.',
    ),
  );
  register(
    upstream.counter(
      'naftiko_upstream_requests_total',
      'Upstream exchanges by consumes namespace and operation; outcome is a status class or an error code.',
      'outcome',
    ),
  );
  register(
    upstream.histogram(
      'naftiko_upstream_request_duration_seconds',
      'Time of one upstream exchange (body and a digest retry included), in seconds.',
    ),
  );
  // Rare events: prom-client's own counters (their per-call label handling is no concern here).
  const refusals = new Counter({
    name: 'naftiko_auth_refusals_total',
    help: "Requests refused by an adapter's inbound authentication, by error code.",
    labelNames: ['adapter_type', 'adapter', 'code'],
    registers: [registry],
  });
  const scriptFailures = new Counter({
    name: 'naftiko_script_failures_total',
    help: 'Script steps that failed: timeout, statements, memory, stack or exception.',
    labelNames: ['step', 'reason'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'naftiko_upstream_retries_total',
    help: 'Upstream exchanges retried (idempotent methods, transient failures), by consumes namespace and operation.',
    labelNames: ['namespace', 'operation'],
    registers: [registry],
  });
  const circuits = new Gauge({
    name: 'naftiko_upstream_circuit_state',
    help: 'Circuit breaker state per upstream origin: 0 closed, 1 half-open, 2 open.',
    labelNames: ['namespace', 'origin'],
    registers: [registry],
    // Across the workers of --workers: the worst state any of them sees.
    aggregator: 'max',
  });
  const clustered = isClusterWorker();
  if (clustered) provideWorkerMetrics(() => registry.getMetricsAsJSON());
  const CIRCUIT = { closed: 0, 'half-open': 1, open: 2 } as const;
  return {
    enabled: true,
    recordRetry(label) {
      const cut = label.search(/[. ]/);
      retries.inc(
        cut < 0
          ? { namespace: label, operation: '' }
          : { namespace: label.slice(0, cut), operation: label.slice(cut + 1) },
      );
    },
    recordCircuit(namespace, origin, state) {
      circuits.set({ namespace, origin }, CIRCUIT[state]);
    },
    requestObserver(adapterType, adapter, operation) {
      const series = requests.series(adapterType, adapter, operation);
      return { observe: (outcome, seconds) => requests.observe(series, outcome, seconds) };
    },
    upstreamObserver(namespace, operation) {
      const series = upstream.series(namespace, operation, undefined);
      return { observe: (outcome, seconds) => upstream.observe(series, outcome, seconds) };
    },
    recordRefusal(adapterType, adapter, code) {
      refusals.inc({ adapter_type: adapterType, adapter, code });
    },
    recordScriptFailure(step, reason) {
      scriptFailures.inc({ step, reason });
    },
    recordRequest(adapterType, adapter, operation, statusClass, seconds) {
      requests.record(adapterType, adapter, operation, statusClass, seconds);
    },
    recordUpstream(namespace, operation, outcome, seconds) {
      upstream.record(namespace, operation, undefined, outcome, seconds);
    },
    exposition: async () =>
      // A worker of --workers answers for all of them (cluster-metrics.ts); its own metrics
      // only if the primary does not answer.
      (clustered ? await scrapeCluster() : undefined) ?? {
        contentType: registry.contentType,
        body: await registry.metrics(),
      },
  };
}
