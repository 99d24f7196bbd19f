/**
 * Upstream client metrics (issue 10): the count and duration of each exchange, by consumes
 * namespace and operation, with its outcome: the status class of the answer (`2xx`, `4xx`...)
 * or the stable code of the failure (`UPSTREAM_TIMEOUT`, `UPSTREAM_UNREACHABLE`; `ABORTED` when
 * the caller gave up, `ERROR` otherwise). send-request.ts calls this only when metrics are on.
 */
import { NaftikoError } from '../../errors.js';
import { statusClass } from '../../observability/metrics.js';
import type { MetricsRecorder } from '../../observability/metrics.js';
import type { ExchangeContext } from './transport-error.js';

export async function timed<T extends { readonly status: number }>(
  recorder: MetricsRecorder,
  ctx: ExchangeContext,
  exchange: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  try {
    const response = await exchange();
    record(recorder, ctx, statusClass(response.status), start);
    return response;
  } catch (err) {
    record(recorder, ctx, failure(err), start);
    throw err;
  }
}

/** A failure's stable code; `ABORTED` for a caller abort, `ERROR` for anything else. */
function failure(err: unknown): string {
  if (err instanceof NaftikoError) return err.code;
  return (err as { name?: unknown } | null)?.name === 'AbortError' ? 'ABORTED' : 'ERROR';
}

/**
 * The labels come from the exchange's label, `namespace.operation` (consumed-operation.ts) or
 * `namespace forward` (forward-request.ts): namespaces are kebab-case (schema `Kebab`), so the
 * first "." or " " ends the namespace. Split once per label, not per request.
 */
const labelsByExchange = new Map<string, readonly [string, string]>();

function record(recorder: MetricsRecorder, ctx: ExchangeContext, outcome: string, start: number) {
  let labels = labelsByExchange.get(ctx.label);
  if (labels === undefined) {
    const cut = ctx.label.search(/[. ]/);
    labels = cut < 0 ? [ctx.label, ''] : [ctx.label.slice(0, cut), ctx.label.slice(cut + 1)];
    labelsByExchange.set(ctx.label, labels);
  }
  recorder.recordUpstream(labels[0], labels[1], outcome, (performance.now() - start) / 1000);
}
