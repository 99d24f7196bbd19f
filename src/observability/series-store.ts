/**
 * Counters and histograms kept as plain numbers on the hot path, read by prom-client only when
 * `/metrics` is scraped. prom-client's own `Counter.inc` and `Histogram.observe` build a label
 * object, validate and sort its names and hash it on every call (four calls per proxied request);
 * here a request costs one Map lookup by a joined key, a bucket search over 13 bounds and a few
 * additions. At scrape time `get()` answers in the shape prom-client's `Registry` renders (the
 * `get()` contract of its metrics: name, help, type, values with labels and metricName), so the
 * exposition text, its escaping and its content type stay prom-client's.
 */

/** One label set: a count per extra label value (status class, outcome) and a histogram. */
export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: Map<string, number>;
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export interface ScrapedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: MetricValue[];
    aggregator: 'sum';
  }>;
}

export class SeriesStore {
  readonly #series = new Map<string, Series>();
  readonly #labelNames: readonly [string, string, string] | readonly [string, string];
  readonly #bounds: readonly number[];

  constructor(
    labelNames: readonly [string, string, string] | readonly [string, string],
    bounds: readonly number[],
  ) {
    this.#labelNames = labelNames;
    this.#bounds = bounds;
  }

  /** One observation: `seconds` into the histogram, one more for `extra` (e.g. `2xx`). */
  record(a: string, b: string, c: string | undefined, extra: string, seconds: number): void {
    this.observe(this.series(a, b, c), extra, seconds);
  }

  /** The series of one label set, created on first use: keep it to observe without a lookup. */
  series(a: string, b: string, c: string | undefined): Series {
    const key = c === undefined ? `${a}\u0000${b}` : `${a}\u0000${b}\u0000${c}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      const [na, nb, nc] = this.#labelNames;
      const labels: Record<string, string> = { [na]: a, [nb]: b };
      if (nc !== undefined && c !== undefined) labels[nc] = c;
      series = {
        labels,
        counts: new Map(),
        buckets: new Float64Array(this.#bounds.length + 1),
        sum: 0,
        count: 0,
      };
      this.#series.set(key, series);
    }
    return series;
  }

  /** One observation into a series that `series()` gave. */
  observe(series: Series, extra: string, seconds: number): void {
    series.counts.set(extra, (series.counts.get(extra) ?? 0) + 1);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] as number)) i++;
    series.buckets[i] = (series.buckets[i] as number) + 1;
    series.sum += seconds;
    series.count++;
  }

  /** The counter of the store: one value per label set and extra label value. */
  counter(name: string, help: string, extraLabel: string): ScrapedMetric {
    const values = (): MetricValue[] =>
      [...this.#series.values()].flatMap((s) =>
        [...s.counts].map(([extra, value]) => ({
          value,
          labels: { ...s.labels, [extraLabel]: extra },
        })),
      );
    return scraped(name, help, 'counter', values);
  }

  /** The histogram of the store: cumulative `_bucket`s (`le` first, as prom-client writes them), `_sum`, `_count`. */
  histogram(name: string, help: string): ScrapedMetric {
    const values = (): MetricValue[] =>
      [...this.#series.values()].flatMap((s) => {
        const out: MetricValue[] = [];
        let cumulative = 0;
        this.#bounds.forEach((le, i) => {
          cumulative += s.buckets[i] as number;
          out.push({
            metricName: `${name}_bucket`,
            value: cumulative,
            labels: { le, ...s.labels },
          });
        });
        out.push({
          metricName: `${name}_bucket`,
          value: s.count,
          labels: { le: '+Inf', ...s.labels },
        });
        out.push({ metricName: `${name}_sum`, value: s.sum, labels: { ...s.labels } });
        out.push({ metricName: `${name}_count`, value: s.count, labels: { ...s.labels } });
        return out;
      });
    return scraped(name, help, 'histogram', values);
  }
}

function scraped(
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  values: () => MetricValue[],
): ScrapedMetric {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, values: values(), aggregator: 'sum' }),
  };
}
