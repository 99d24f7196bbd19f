/**
 * The tracer (observability/tracing.ts) and what a run wants of it (tracing-config.ts), in this
 * process: spans and their parents, the caller's `traceparent` (sampled or not, malformed), B3,
 * the ring buffer's bound and filters, and the option resolution from control adapters and the
 * environment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tracingOptions } from '../../src/observability/tracing-config.js';
import {
  disableTracing,
  enableTracing,
  randomId,
  tracer,
} from '../../src/observability/tracing.js';
import type { TracingOptions } from '../../src/observability/tracing.js';

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

afterEach(async () => {
  await disableTracing();
});

const options = (over: Partial<TracingOptions> = {}): TracingOptions => ({
  bufferSize: 10,
  sampling: 1,
  propagation: 'w3c',
  serviceName: 'test',
  ...over,
});

function serve(name: string, headers: Record<string, string> = {}, status = 200) {
  const span = tracer().startServer(name, headers, { 'naftiko.operation': name });
  if (span === undefined) throw new Error('tracing is off');
  const client = span.child(`GET up.${name}`, 'client');
  const outgoing: Record<string, string> = {};
  client.inject(outgoing);
  client.setAttribute('http.response.status_code', status);
  client.end(status >= 400 ? String(status) : undefined);
  span.setAttribute('http.response.status_code', status);
  span.end(status >= 500 ? String(status) : undefined);
  return { span, client, outgoing };
}

describe('tracer', () => {
  it('is a no-op until enabled', () => {
    expect(tracer().enabled).toBe(false);
    expect(tracer().startServer('x', {}, {})).toBeUndefined();
    expect(tracer().list()).toEqual([]);
  });

  it('records a server span and its children, and sends the client span upstream', async () => {
    await enableTracing(options());
    const { span, client, outgoing } = serve('list-items');
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(client.traceId).toBe(span.traceId);
    expect(outgoing['traceparent']).toBe(`00-${span.traceId}-${client.spanId}-01`);
    const trace = tracer().get(span.traceId);
    expect(trace?.spans.map((s) => [s.name, s.kind, s.parentSpanId])).toEqual([
      ['list-items', 'server', undefined],
      ['GET up.list-items', 'client', span.spanId],
    ]);
    expect(trace?.spans[0]?.endTime).toBeGreaterThanOrEqual(trace?.spans[0]?.startTime ?? 0);
  });

  it("continues the caller's trace, and keeps its tracestate", async () => {
    await enableTracing(options());
    const { span, outgoing } = serve('op', {
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      tracestate: 'vendor=abc',
    });
    expect(span.traceId).toBe(CALLER_TRACE);
    expect(tracer().get(CALLER_TRACE)?.spans[0]?.parentSpanId).toBe(CALLER_SPAN);
    expect(outgoing['traceparent']).toMatch(new RegExp(`^00-${CALLER_TRACE}-[0-9a-f]{16}-01$`));
    expect(outgoing['tracestate']).toBe('vendor=abc');
  });

  it('records nothing for an unsampled caller, but passes its context on unsampled', async () => {
    await enableTracing(options());
    const { span, outgoing } = serve('op', { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00` });
    expect(span.recording).toBe(false);
    expect(tracer().list()).toEqual([]);
    expect(outgoing['traceparent']).toBe(`00-${CALLER_TRACE}-${CALLER_SPAN}-00`);
  });

  it('starts a new trace when the traceparent is malformed', async () => {
    await enableTracing(options());
    for (const bad of [
      `00-${'0'.repeat(32)}-${CALLER_SPAN}-01`,
      `00-${CALLER_TRACE}-${'0'.repeat(16)}-01`,
      `ff-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      'garbage',
    ]) {
      const { span } = serve('op', { traceparent: bad });
      expect(span.recording).toBe(true);
      expect(span.traceId).not.toBe(CALLER_TRACE);
      expect(tracer().get(span.traceId)?.spans[0]?.parentSpanId).toBeUndefined();
    }
  });

  it('samples new traces at the configured ratio; a sampled caller always wins', async () => {
    await enableTracing(options({ sampling: 0, bufferSize: 100 }));
    for (let i = 0; i < 20; i++) serve('op');
    expect(tracer().list()).toHaveLength(0);
    serve('op', { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    expect(
      tracer()
        .list()
        .map((t) => t.traceId),
    ).toEqual([CALLER_TRACE]);
  });

  it('reads and writes B3 with propagation: b3', async () => {
    await enableTracing(options({ propagation: 'b3' }));
    const { span, client, outgoing } = serve('op', {
      'x-b3-traceid': CALLER_TRACE,
      'x-b3-spanid': CALLER_SPAN,
      'x-b3-sampled': '1',
    });
    expect(span.traceId).toBe(CALLER_TRACE);
    expect(outgoing['x-b3-traceid']).toBe(CALLER_TRACE);
    expect(outgoing['x-b3-spanid']).toBe(client.spanId);
    expect(outgoing['x-b3-sampled']).toBe('1');
    expect(outgoing['traceparent']).toBeUndefined();
    const single = serve('op', { b3: `${CALLER_TRACE}-${CALLER_SPAN}-1` });
    expect(single.span.traceId).toBe(CALLER_TRACE);
  });

  it('keeps the last buffer-size traces, newest first, filtered by operation and status', async () => {
    await enableTracing(options({ bufferSize: 10 }));
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push(serve(i % 5 === 0 ? 'failing' : 'fine', {}, i % 5 === 0 ? 502 : 200).span.traceId);
    }
    const all = tracer().list();
    expect(all.map((t) => t.traceId)).toEqual(ids.slice(-10).reverse());
    expect(tracer().get(ids[0] as string)).toBeUndefined();
    const failing = tracer().list({ status: 'error' });
    expect(failing.map((t) => t.traceId)).toEqual([ids[20], ids[15]]);
    expect(failing.every((t) => t.operation === 'failing' && t.httpStatus === 502)).toBe(true);
    expect(tracer().list({ status: '5xx' })).toHaveLength(2);
    expect(tracer().list({ status: '502' })).toHaveLength(2);
    expect(tracer().list({ status: 'ok' })).toHaveLength(8);
    expect(tracer().list({ operation: 'fine', limit: 3 })).toHaveLength(3);
    expect(tracer().list({ operation: 'nothing' })).toEqual([]);
  });

  it('ends children left open when the request ends, marked unfinished', async () => {
    await enableTracing(options());
    const span = tracer().startServer('op', {}, {});
    span?.child('GET up.slow', 'client');
    span?.end();
    const spans = tracer().get(span?.traceId ?? '')?.spans ?? [];
    expect(spans[1]?.status).toBe('error');
    expect(spans[1]?.statusMessage).toBe('unfinished');
  });

  it('draws distinct, non-zero ids', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(randomId(8));
    expect(seen.size).toBe(2000);
    expect(randomId(16)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('tracingOptions', () => {
  const control = (observability?: Record<string, unknown>) =>
    observability === undefined ? {} : { observability };

  it('keeps 100 local traces with a control adapter, sampling everything over W3C', () => {
    expect(tracingOptions([control()], {}, 'svc')).toEqual({
      bufferSize: 100,
      sampling: 1,
      propagation: 'w3c',
      serviceName: 'svc',
    });
  });

  it('takes buffer-size, sampling, propagation and the OTLP endpoint from the control adapter', () => {
    const traces = { sampling: 0.25, propagation: 'b3', local: { 'buffer-size': 20 } };
    const exporters = { otlp: { endpoint: 'http://127.0.0.1:4318' } };
    expect(tracingOptions([control({ traces, exporters })], {}, 'svc')).toEqual({
      bufferSize: 20,
      sampling: 0.25,
      propagation: 'b3',
      otlp: { endpoint: 'http://127.0.0.1:4318' },
      serviceName: 'svc',
    });
  });

  it('exports from the environment alone, with no control adapter', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SERVICE_NAME: 'x' };
    expect(tracingOptions([], env, 'svc')).toEqual({
      bufferSize: 0,
      sampling: 1,
      propagation: 'w3c',
      otlp: {},
      serviceName: 'x',
    });
    expect(tracingOptions([], {}, 'svc')).toBeUndefined();
  });

  it('turns everything off with observability.enabled: false, the environment included', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(tracingOptions([control({ enabled: false })], env, 'svc')).toBeUndefined();
    expect(
      tracingOptions([control({ traces: { local: { enabled: false } } })], {}, 'svc'),
    ).toBeUndefined();
  });
});
