/**
 * Metrics across the workers of `naftiko run --workers N` (issue 14). Each worker counts in its
 * own prom-client registry; a scrape lands on one worker (the primary hands connections out), so
 * that worker asks the primary, which collects every ready worker's metrics as JSON
 * (`Registry.getMetricsAsJSON()`), merges them with prom-client's cluster aggregation
 * (`AggregatorRegistry.aggregate`: counters and histograms summed, process metrics per their own
 * aggregator) and answers with the text of the whole.
 *
 * Our own IPC messages rather than prom-client's `clusterMetrics()`: that one asks every
 * connected worker, including one that is still starting (and would never answer, failing the
 * scrape after 5 s); the primary here asks the workers that said they were ready, and a worker
 * that does not answer in time is left out (the answer counts it in `naftiko_workers_missing`).
 *
 * A leaf: imports no layer. The messages are plain objects with one `naftiko*` key.
 */
import type { Worker } from 'node:cluster';
import { answerWorker, askPrimary, isClusterWorker } from './worker-channel.js';

/** How long a scrape waits for the workers (and a worker for its primary). */
const COLLECT_TIMEOUT_MS = 2_000;

/** The metrics of one worker, as `Registry.getMetricsAsJSON()` gives them. */
type MetricsJson = unknown[];

let provider: (() => Promise<MetricsJson>) | undefined;

/** The worker's registry, once metrics are on (prometheus-recorder.ts). */
export function provideWorkerMetrics(collect: () => Promise<MetricsJson>): void {
  provider = collect;
}

let answering = false;

/**
 * A worker answers its primary's collection requests (with nothing while metrics are off, so
 * that a capability without them never delays a scrape). Call once the worker is ready.
 */
export function answerMetricsCollection(): void {
  if (answering || !isClusterWorker()) return;
  answering = true;
  process.on('message', (message: unknown) => {
    const id = (message as { naftikoMetricsCollect?: unknown } | null)?.naftikoMetricsCollect;
    if (typeof id !== 'number') return;
    const reply = (metrics: MetricsJson) =>
      process.send?.({ naftikoMetricsCollected: id, metrics });
    if (provider === undefined) reply([]);
    else provider().then(reply, () => reply([]));
  });
}

type Exposition = { contentType: string; body: string } | undefined;

/**
 * A worker's scrape: the text the primary merged from every worker, or undefined when the
 * primary did not answer in time (the caller then serves this worker's own metrics).
 */
export async function scrapeCluster(): Promise<Exposition> {
  const m = await askPrimary('naftikoMetricsScrape', COLLECT_TIMEOUT_MS * 2);
  return typeof m?.['body'] === 'string' && typeof m['contentType'] === 'string'
    ? { contentType: m['contentType'], body: m['body'] }
    : undefined;
}

/** What the primary knows of its workers when a scrape comes in. */
export interface ClusterState {
  /** The workers that said they were ready. */
  ready(): Worker[];
  /** Workers replaced since the primary started. */
  restarts(): number;
}

let nextCollect = 0;
let merging: Promise<{ contentType: string; body: string }> | undefined;

/**
 * The primary's side: answers a worker's `naftikoMetricsScrape` message (returns false for any
 * other message). prom-client is loaded on the first scrape only.
 */
export function handleScrapeRequest(from: Worker, message: unknown, state: ClusterState): boolean {
  const id = (message as { naftikoMetricsScrape?: unknown } | null)?.naftikoMetricsScrape;
  if (typeof id !== 'number') return false;
  // Scrapes that arrive while the workers are being collected share that collection.
  merging ??= mergeWorkers(state).finally(() => (merging = undefined));
  void merging.then(
    (text) => answerWorker(from, id, text),
    () => answerWorker(from, id),
  );
  return true;
}

async function mergeWorkers(state: ClusterState): Promise<{ contentType: string; body: string }> {
  const workers = state.ready().filter((w) => w.isConnected());
  const id = nextCollect++;
  const collected = await Promise.all(
    workers.map(
      (worker) =>
        new Promise<MetricsJson | undefined>((resolve) => {
          const onMessage = (message: unknown) => {
            const m = message as { naftikoMetricsCollected?: unknown; metrics?: unknown } | null;
            if (m?.naftikoMetricsCollected !== id) return;
            done(Array.isArray(m.metrics) ? m.metrics : undefined);
          };
          const timer = setTimeout(() => done(undefined), COLLECT_TIMEOUT_MS);
          const done = (value: MetricsJson | undefined) => {
            clearTimeout(timer);
            worker.off('message', onMessage);
            worker.off('exit', gone);
            resolve(value);
          };
          const gone = () => done(undefined);
          worker.on('message', onMessage);
          worker.once('exit', gone);
          worker.send({ naftikoMetricsCollect: id });
        }),
    ),
  );
  const { AggregatorRegistry, Gauge, Counter } = await import('prom-client');
  const answered = collected.filter((m): m is MetricsJson => m !== undefined);
  const registry = AggregatorRegistry.aggregate(
    answered as Parameters<typeof AggregatorRegistry.aggregate>[0],
  );
  new Gauge({
    name: 'naftiko_workers',
    help: 'Worker processes of naftiko run --workers that are ready, at the time of the scrape.',
    registers: [registry],
  }).set(workers.length);
  new Gauge({
    name: 'naftiko_workers_missing',
    help: 'Ready workers whose metrics did not arrive in time for this scrape (left out of the sums).',
    registers: [registry],
  }).set(workers.length - answered.length);
  new Counter({
    name: 'naftiko_worker_restarts_total',
    help: 'Workers that died after they were ready and were replaced.',
    registers: [registry],
  }).inc(state.restarts());
  return { contentType: registry.contentType, body: await registry.metrics() };
}
