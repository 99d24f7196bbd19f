/**
 * Upstream client metrics and spans (issue 10). Metrics: the count and duration of each exchange,
 * by consumes namespace and operation, with its outcome: the status class of the answer (`2xx`,
 * `4xx`...) or the stable code of the failure (`UPSTREAM_TIMEOUT`, `UPSTREAM_UNREACHABLE`;
 * `ABORTED` when the caller gave up, `ERROR` otherwise). Traces: a client span per exchange under
 * the request's span, whose context goes upstream in the propagation headers. Access log: the
 * exchange recorded in the request's context. Call events (an MCP tool call whose client wants
 * log messages or progress): the exchange's start and end, with its URL without query string.
 * send-request.ts calls `instrumented` only when one of them is on.
 */
import { NaftikoError } from '../../errors.js';
import { metrics, statusClass } from '../../observability/metrics.js';
import type { MetricsRecorder, Observer } from '../../observability/metrics.js';
import type { RequestContext } from '../../observability/request-context.js';
import type { Span } from '../../observability/tracing.js';
import type { ExchangeContext } from './transport-error.js';

/**
 * The metrics observer of one consumed operation (or a namespace's forwarder), resolved on the
 * first exchange after metrics were turned on, then kept: no label lookup per request.
 */
export function upstreamObserver(namespace: string, operation: string): () => Observer | undefined {
  let from: MetricsRecorder | undefined;
  let observer: Observer | undefined;
  return () => {
    const recorder = metrics();
    if (!recorder.enabled) return undefined;
    if (from !== recorder) {
      from = recorder;
      observer = recorder.upstreamObserver(namespace, operation);
    }
    return observer;
  };
}

export async function instrumented<T extends { readonly status: number }>(
  observer: Observer | undefined,
  context: RequestContext | undefined,
  ctx: ExchangeContext,
  headers: Record<string, string>,
  /** Scheme, host and path of the exchange, without query (read only when events are on). */
  url: string,
  exchange: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  const span = context?.span;
  const exchanges = context?.exchanges;
  const events = context?.events;
  events?.exchangeStart?.({ upstream: ctx.label, method: ctx.method, url });
  let client: Span | undefined;
  if (span !== undefined) {
    client = span.child(`${ctx.method} ${ctx.label}`, 'client', {
      'http.request.method': ctx.method,
      'naftiko.upstream': ctx.label,
      'url.template': ctx.target,
    });
    client.inject(headers);
  }
  try {
    const response = await exchange();
    const ms = performance.now() - start;
    observer?.observe(statusClass(response.status), ms / 1000);
    exchanges?.push({ upstream: ctx.label, outcome: response.status, ms });
    events?.exchangeEnd?.({
      upstream: ctx.label,
      method: ctx.method,
      url,
      outcome: response.status,
      ms,
    });
    if (client !== undefined) {
      client.setAttribute('http.response.status_code', response.status);
      client.end(response.status >= 400 ? String(response.status) : undefined);
    }
    return response;
  } catch (err) {
    const code = failure(err);
    const ms = performance.now() - start;
    observer?.observe(code, ms / 1000);
    exchanges?.push({ upstream: ctx.label, outcome: code, ms });
    events?.exchangeEnd?.({ upstream: ctx.label, method: ctx.method, url, outcome: code, ms });
    if (client !== undefined) {
      client.setAttribute('error.type', code);
      client.end(code);
    }
    throw err;
  }
}

/** A failure's stable code; `ABORTED` for a caller abort, `ERROR` for anything else. */
function failure(err: unknown): string {
  if (err instanceof NaftikoError) return err.code;
  return (err as { name?: unknown } | null)?.name === 'AbortError' ? 'ABORTED' : 'ERROR';
}
