/**
 * `naftiko health`, `naftiko status`, `naftiko metrics` and `naftiko traces`: ask a running engine's control adapter
 * (control-target.ts says which). Exit codes as a shell script expects: 0 healthy / answered,
 * 1 not ready, unreachable or refused, 2 a usage error. A locked control adapter takes
 * `--token` (or `NAFTIKO_CONTROL_TOKEN`) as a bearer token.
 */
import type { CliIo } from '../program.js';
import { resolveControlTarget } from '../control-target.js';
import type { ControlTargetOptions } from '../control-target.js';

export interface ControlCommandOptions extends ControlTargetOptions {
  readonly token?: string;
  readonly format?: 'text' | 'json';
  readonly live?: boolean;
  readonly filter?: string;
  readonly operation?: string;
  readonly status?: string;
  readonly limit?: string;
}

type Fetched = { ok: true; status: number; text: string } | { ok: false; reason: string };

async function get(
  path: string,
  options: ControlCommandOptions,
): Promise<{ fetched: Fetched; url: string }> {
  const target = await resolveControlTarget(options);
  const url = `${target.base}${path}`;
  const token = options.token ?? process.env.NAFTIKO_CONTROL_TOKEN;
  try {
    const res = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
    return { fetched: { ok: true, status: res.status, text: await res.text() }, url };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { fetched: { ok: false, reason: cause ?? (err as Error).name }, url };
  }
}

function failed(io: CliIo, url: string, fetched: Fetched): number | undefined {
  if (!fetched.ok) {
    io.stderr(`naftiko: no control adapter answers at ${url} (${fetched.reason})\n`);
    return 1;
  }
  if (fetched.status === 401 || fetched.status === 403) {
    io.stderr(
      `naftiko: the control adapter at ${url} refused the request (${fetched.status}); give --token\n`,
    );
    return 1;
  }
  if (fetched.status === 404) {
    io.stderr(
      `naftiko: ${url} is not served (404): is it enabled under management or observability?\n`,
    );
    return 1;
  }
  return undefined;
}

export async function healthCommand(options: ControlCommandOptions, io: CliIo): Promise<number> {
  const { fetched, url } = await get(options.live ? '/health/live' : '/health/ready', options);
  const refused = failed(io, url, fetched);
  if (refused !== undefined || !fetched.ok) return refused ?? 1;
  const body = parse(fetched.text) as
    | { status?: string; adapters?: { type: string; namespace?: string; state: string }[] }
    | undefined;
  if (options.format === 'json') io.stdout(`${fetched.text}\n`);
  else {
    io.stdout(`${body?.status ?? `HTTP ${fetched.status}`}\n`);
    for (const a of body?.adapters ?? []) {
      io.stdout(`  ${a.type}${a.namespace ? ` "${a.namespace}"` : ''}: ${a.state}\n`);
    }
  }
  return fetched.status === 200 ? 0 : 1;
}

export async function statusCommand(options: ControlCommandOptions, io: CliIo): Promise<number> {
  const { fetched, url } = await get('/status', options);
  const refused = failed(io, url, fetched);
  if (refused !== undefined || !fetched.ok) return refused ?? 1;
  if (options.format === 'json') {
    io.stdout(`${fetched.text}\n`);
    return fetched.status === 200 ? 0 : 1;
  }
  const s = parse(fetched.text) as
    | {
        capability?: { label?: string; specVersion?: string };
        engine?: { version?: string; node?: string };
        uptimeSeconds?: number;
        adapters?: { type: string; namespace?: string; state: string; url?: string }[];
      }
    | undefined;
  io.stdout(
    `${s?.capability?.label ?? '(no label)'} (spec ${s?.capability?.specVersion ?? '?'}), naftiko-engine ${s?.engine?.version ?? '?'} on Node ${s?.engine?.node ?? '?'}, up ${s?.uptimeSeconds ?? '?'} s\n`,
  );
  for (const a of s?.adapters ?? []) {
    io.stdout(
      `  ${a.type}${a.namespace ? ` "${a.namespace}"` : ''}: ${a.state}${a.url ? ` ${a.url}` : ''}\n`,
    );
  }
  return fetched.status === 200 ? 0 : 1;
}

export async function metricsCommand(options: ControlCommandOptions, io: CliIo): Promise<number> {
  const { fetched, url } = await get('/metrics', options);
  const refused = failed(io, url, fetched);
  if (refused !== undefined || !fetched.ok) return refused ?? 1;
  const filter = options.filter;
  const lines = fetched.text.split('\n').filter((line) => line !== '');
  const shown =
    filter === undefined
      ? lines
      : lines.filter((line) =>
          (line.startsWith('#') ? (line.split(' ')[2] ?? '') : line).includes(filter),
        );
  io.stdout(shown.length > 0 ? `${shown.join('\n')}\n` : '');
  return fetched.status === 200 ? 0 : 1;
}

interface TraceSummaryView {
  traceId: string;
  name: string;
  status: string;
  httpStatus?: number;
  startTime: string;
  durationMs: number;
  spanCount: number;
}

interface SpanView {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  durationMs: number;
  status: string;
  statusMessage?: string;
  attributes?: Record<string, unknown>;
}

export async function tracesCommand(
  id: string | undefined,
  options: ControlCommandOptions,
  io: CliIo,
): Promise<number> {
  const query = new URLSearchParams();
  if (options.operation !== undefined) query.set('operation', options.operation);
  if (options.status !== undefined) query.set('status', options.status);
  if (options.limit !== undefined) query.set('limit', options.limit);
  const path =
    id !== undefined
      ? `/traces/${encodeURIComponent(id)}`
      : `/traces${query.size > 0 ? `?${query}` : ''}`;
  const { fetched, url } = await get(path, options);
  if (id !== undefined && fetched.ok && fetched.status === 404) {
    io.stderr(`naftiko: no recent trace ${id} (it may have left the buffer)\n`);
    return 1;
  }
  const refused = failed(io, url, fetched);
  if (refused !== undefined || !fetched.ok) return refused ?? 1;
  if (fetched.status !== 200) {
    const problem = parse(fetched.text) as { detail?: string } | undefined;
    io.stderr(`naftiko: ${url}: ${problem?.detail ?? `HTTP ${fetched.status}`}\n`);
    return 1;
  }
  if (options.format === 'json') {
    io.stdout(`${fetched.text}\n`);
    return 0;
  }
  if (id !== undefined) {
    const trace = parse(fetched.text) as (TraceSummaryView & { spans: SpanView[] }) | undefined;
    io.stdout(`${trace?.traceId} ${trace?.name} ${trace?.status} ${trace?.durationMs} ms\n`);
    const spans = trace?.spans ?? [];
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const depth = (span: SpanView): number => {
      let d = 0;
      for (let p = byId.get(span.parentSpanId ?? ''); p !== undefined; d++) {
        p = byId.get(p.parentSpanId ?? '');
      }
      return d;
    };
    for (const span of spans) {
      const indent = '  '.repeat(depth(span));
      const status =
        span.status === 'error'
          ? ` error${span.statusMessage ? ` (${span.statusMessage})` : ''}`
          : '';
      const code = span.attributes?.['http.response.status_code'];
      io.stdout(
        `${indent}${span.kind} ${span.name}${code !== undefined ? ` → ${String(code)}` : ''} ${span.durationMs} ms${status}\n`,
      );
    }
    return 0;
  }
  const list = parse(fetched.text) as { traces?: TraceSummaryView[] } | undefined;
  for (const t of list?.traces ?? []) {
    io.stdout(
      `${t.traceId}  ${t.startTime}  ${t.status.padEnd(5)} ${String(t.httpStatus ?? '').padEnd(3)} ${String(t.durationMs).padStart(9)} ms  ${t.spanCount} spans  ${t.name}\n`,
    );
  }
  return 0;
}

/** The JSON of an answer; undefined when it is not JSON (then only the status is reported). */
function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
