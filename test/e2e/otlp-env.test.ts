/**
 * Tracing across instances (issue 14): two `naftiko run` subprocesses of the unchanged seed
 * (specs/crm-crm-integration.yaml, which has no control adapter and no observability block),
 * told only `OTEL_EXPORTER_OTLP_ENDPOINT`, export their spans over OTLP/HTTP to one local
 * receiver. A REST call to instance 1 and a 2026-07-28 MCP `tools/call` to instance 2, each with
 * its own caller `traceparent`, must each cross engine → upstream in the caller's trace:
 * - the upstream (the Gong stand-in) receives a `traceparent` with the caller's trace id, whose
 *   parent is the engine's client span;
 * - the receiver gets, per caller trace id, the engine's server span (parent: the caller's span)
 *   and the client span of the upstream call, in that trace;
 * - the batches come from both processes (told apart by their TCP connections), and instance 2
 *   (with a batch delay longer than the test) delivers its spans on SIGTERM: shutdown flushes.
 * Every outgoing TCP connection of both engines is recorded by a preloaded observer
 * (`--require`, it changes nothing): all of them go to loopback.
 *
 * The exporter (@opentelemetry/exporter-trace-otlp-http) sends OTLP/JSON: `application/json`,
 * hex trace and span ids, numeric span kinds (2 server, 3 client).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GongSandbox } from '../../examples/gong-sandbox/server.mjs';
import { startGongSandbox } from '../../examples/gong-sandbox/server.mjs';
import { modern, post } from '../exposes/mcp/helpers/raw-mcp.js';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import type { RunningCapability } from '../helpers/run-capability.js';
import { CONSUMES_NS, MCP_NS, REST_NS, RESOURCE, SEED } from './support.js';

const TOKEN = 'otlp-env-token-3c9e';
const REST_TRACE = '0af7651916cd43dd8448eb211c80319c';
const REST_CALLER_SPAN = 'b7ad6b7169203331';
const MCP_TRACE = '1bf92f3577b34da6a3ce929d0e0e4738';
const MCP_CALLER_SPAN = '00f067aa0ba902b8';
const TOOL = 'gong-get-crm-integration-details';
const SERVER = 2;
const CLIENT = 3;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
}
interface ExportRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The client's TCP port: which engine process sent the batch. */
  remotePort: number;
  resource: Record<string, unknown>[];
  spans: OtlpSpan[];
}

const requests: ExportRequest[] = [];
let receiver: ReturnType<typeof createServer>;
let receiverPort: number;
let sandbox: GongSandbox;
let one: RunningCapability;
let two: RunningCapability;
const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-otlp-env-'));
const observer = path.join(dir, 'egress-observer.cjs');

/**
 * Preloaded into each engine: writes one stderr line per outgoing TCP connection once it is
 * connected (`egress <host> <port> <local port>`), and passes every call on unchanged.
 */
const OBSERVER = `
const net = require('node:net');
const fs = require('node:fs');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let o = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof o !== 'object' || o === null) {
    o = { port: o, host: typeof args[1] === 'string' ? args[1] : 'localhost' };
  }
  if (o.port !== undefined) {
    const host = o.host ?? 'localhost';
    this.once('connect', () => {
      fs.writeSync(2, 'egress ' + host + ' ' + o.port + ' ' + this.localPort + '\\n');
    });
  }
  return connect.apply(this, args);
};
`;

function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
  }
  return out;
}

/** The OTLP/JSON body of one export request, decompressed when it says so. */
function decode(raw: Buffer, headers: IncomingHttpHeaders): unknown {
  const bytes = headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
  return JSON.parse(bytes.toString('utf8')) as unknown;
}

/** Every exported span with the index of the export request that carried it. */
function exported(): (OtlpSpan & { request: number })[] {
  return requests.flatMap((r, request) => r.spans.map((s) => ({ ...s, request })));
}

/** `egress` lines of one engine: where it connected, from which local port. */
function egress(run: RunningCapability): { host: string; port: number; localPort: number }[] {
  return [...run.stderr().matchAll(/^egress (\S+) (\d+) (\d+)$/gm)].map((m) => ({
    host: m[1] as string,
    port: Number(m[2]),
    localPort: Number(m[3]),
  }));
}

beforeAll(async () => {
  ensureBuilt();
  writeFileSync(observer, OBSERVER);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = decode(Buffer.concat(chunks), req.headers) as {
        resourceSpans?: {
          resource?: { attributes?: OtlpAttribute[] };
          scopeSpans?: { spans?: OtlpSpan[] }[];
        }[];
      };
      const resourceSpans = body.resourceSpans ?? [];
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        remotePort: req.socket.remotePort ?? 0,
        resource: resourceSpans.map((rs) => attributes(rs.resource?.attributes)),
        spans: resourceSpans.flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])),
      });
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as AddressInfo).port;
  sandbox = await startGongSandbox({ port: 0, host: '127.0.0.1', token: TOKEN });

  const env = (extra: Record<string, string> = {}) => ({
    GONG_API_KEY: TOKEN,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
    // Nothing else from the test's own environment steers the export.
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
    OTEL_SERVICE_NAME: undefined,
    OTEL_BSP_SCHEDULE_DELAY: undefined,
    OTEL_RESOURCE_ATTRIBUTES: undefined,
    NODE_OPTIONS: `--require ${observer}`,
    ...extra,
  });
  const args = ['--base-uri', `${CONSUMES_NS}=${sandbox.url}`, '--address', '*=127.0.0.1'];
  [one, two] = await Promise.all([
    startCapability(SEED, args, env()),
    // Instance 2 batches for 10 minutes: its spans can only arrive through the shutdown flush.
    startCapability(
      SEED,
      args,
      env({
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=otlp-env-test',
      }),
    ),
  ]);
}, 60_000);

afterAll(async () => {
  await stopAllCapabilities();
  await sandbox?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** The trace id and parent span id of a `traceparent` header value (sampled, version 00). */
function parseTraceparent(value: unknown): { traceId: string; parent: string } {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(value));
  expect(match, `traceparent ${String(value)}`).not.toBeNull();
  return { traceId: match?.[1] as string, parent: match?.[2] as string };
}

/**
 * The spans of one trace as the receiver got them: the engine's server span is the child of the
 * caller's span, and the client span of the upstream call descends from it (directly or through
 * internal spans), its id being the parent the upstream saw.
 */
function expectCrossing(traceId: string, callerSpan: string, upstreamParent: string): OtlpSpan[] {
  const spans = exported().filter((s) => s.traceId === traceId);
  const server = spans.filter((s) => s.kind === SERVER);
  expect(server).toHaveLength(1);
  expect(server[0]?.parentSpanId).toBe(callerSpan);
  const clients = spans.filter((s) => s.kind === CLIENT);
  expect(clients).toHaveLength(1);
  const client = clients[0] as OtlpSpan;
  expect(client.spanId).toBe(upstreamParent);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  let ancestor = byId.get(client.parentSpanId ?? '');
  while (ancestor !== undefined && ancestor.kind !== SERVER)
    ancestor = byId.get(ancestor.parentSpanId ?? '');
  expect(ancestor?.spanId).toBe(server[0]?.spanId);
  expect(attributes(client.attributes)).toMatchObject({
    'http.request.method': 'GET',
    'http.response.status_code': 200,
    'naftiko.upstream': `${CONSUMES_NS}.getcrmintegrations`,
  });
  return spans;
}

describe('OTLP export from OTEL_EXPORTER_OTLP_ENDPOINT alone, across two instances', () => {
  it("carries each caller's trace engine → upstream and exports it from both instances", async () => {
    // REST to instance 1.
    const rest = await fetch(new URL(RESOURCE, one.urls.get(REST_NS)), {
      headers: { traceparent: `00-${REST_TRACE}-${REST_CALLER_SPAN}-01` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(rest.status).toBe(200);
    expect(await rest.json()).toMatchObject({ integrations: [] });

    // A 2026-07-28 tools/call to instance 2.
    const call = modern('tools/call', { name: TOOL, arguments: {} }, 1);
    const answer = await post(two.urls.get(MCP_NS) as string, call.body, {
      ...call.headers,
      traceparent: `00-${MCP_TRACE}-${MCP_CALLER_SPAN}-01`,
    });
    expect(answer.status).toBe(200);
    const frames = answer.headers['content-type']?.toString().startsWith('text/event-stream')
      ? answer.body
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => JSON.parse(l.slice(6)) as { id?: unknown; result?: { isError?: boolean } })
      : [answer.json() as { id?: unknown; result?: { isError?: boolean } }];
    const response = frames.find((m) => m.id === 1);
    expect(response?.result).toBeDefined();
    expect(response?.result?.isError).not.toBe(true);

    // The upstream got one request per call, each in its caller's trace.
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v2/crm/integrations',
      'GET /v2/crm/integrations',
    ]);
    const seen = sandbox.requests.map((r) => parseTraceparent(r.headers['traceparent']));
    const restUpstream = seen.find((s) => s.traceId === REST_TRACE);
    const mcpUpstream = seen.find((s) => s.traceId === MCP_TRACE);
    expect(restUpstream).toBeDefined();
    expect(mcpUpstream).toBeDefined();
    // The engine's own span, not the caller's, is the upstream request's parent.
    expect(restUpstream?.parent).not.toBe(REST_CALLER_SPAN);
    expect(mcpUpstream?.parent).not.toBe(MCP_CALLER_SPAN);

    // Instance 1 exports on its batch interval (2 s by default): poll for its trace.
    await expect
      .poll(() => exported().filter((s) => s.traceId === REST_TRACE).length, {
        timeout: 8_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(2);
    const restSpans = expectCrossing(REST_TRACE, REST_CALLER_SPAN, restUpstream?.parent ?? '');
    expect(restSpans.find((s) => s.kind === SERVER)?.name).toBe(`GET ${RESOURCE}`);
    // Instance 2 holds its spans (10-minute batch delay) until it stops.
    expect(exported().some((s) => s.traceId === MCP_TRACE)).toBe(false);

    // SIGTERM: instance 2 flushes its batch before exiting.
    expect(await two.stop()).toBe(0);
    expect(exported().some((s) => s.traceId === MCP_TRACE)).toBe(true);
    const mcpSpans = expectCrossing(MCP_TRACE, MCP_CALLER_SPAN, mcpUpstream?.parent ?? '');
    const mcpServer = mcpSpans.find((s) => s.kind === SERVER) as OtlpSpan;
    expect(mcpServer.name).toBe(`tools/call ${TOOL}`);
    expect(attributes(mcpServer.attributes)).toMatchObject({
      'mcp.method.name': 'tools/call',
      'naftiko.adapter': MCP_NS,
    });
    expect(await one.stop()).toBe(0);

    // Every export is an OTLP/JSON POST to /v1/traces.
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const r of requests) {
      expect(`${r.method} ${r.path}`).toBe('POST /v1/traces');
      expect(r.headers['content-type']).toMatch(/^application\/json\b/);
    }
    // Each trace came whole in batches from the process that served it: the receiver's peer
    // port is one of that engine's outgoing connections to the receiver.
    const toReceiver = (run: RunningCapability) =>
      new Set(egress(run).flatMap((e) => (e.port === receiverPort ? [e.localPort] : [])));
    const fromOne = toReceiver(one);
    const fromTwo = toReceiver(two);
    const senders = (traceId: string) =>
      new Set(
        exported()
          .filter((s) => s.traceId === traceId)
          .map((s) => requests[s.request]?.remotePort),
      );
    expect([...senders(REST_TRACE)].every((p) => p !== undefined && fromOne.has(p))).toBe(true);
    expect([...senders(MCP_TRACE)].every((p) => p !== undefined && fromTwo.has(p))).toBe(true);
    // The resource the exporter sets: the capability's label as service.name, the engine's
    // version; both instances announce the same service, each with its own instance id, and
    // OTEL_RESOURCE_ATTRIBUTES (instance 2 only) is added.
    for (const r of requests) {
      for (const resource of r.resource) {
        expect(resource).toMatchObject({
          'service.name': 'Gong CRM API — CRM Integration',
          'service.version': expect.stringMatching(/^\d+\.\d+\.\d+/),
          'service.instance.id': expect.stringMatching(/^[0-9a-f-]{36}$/),
        });
      }
    }
    const resourcesOf = (traceId: string) =>
      requests.filter((r) => r.spans.some((s) => s.traceId === traceId)).flatMap((r) => r.resource);
    const instanceOf = (traceId: string) =>
      new Set(resourcesOf(traceId).map((r) => r['service.instance.id']));
    expect(instanceOf(REST_TRACE).size).toBe(1);
    expect(instanceOf(MCP_TRACE).size).toBe(1);
    expect([...instanceOf(REST_TRACE)][0]).not.toBe([...instanceOf(MCP_TRACE)][0]);
    for (const r of resourcesOf(MCP_TRACE)) {
      expect(r['deployment.environment.name']).toBe('otlp-env-test');
    }
    for (const r of resourcesOf(REST_TRACE)) {
      expect(r).not.toHaveProperty('deployment.environment.name');
    }

    // Nothing left loopback: each engine connected to the upstream and the receiver only.
    for (const run of [one, two]) {
      const out = egress(run);
      expect(out.map((e) => e.port)).toContain(receiverPort);
      expect(out.map((e) => e.port)).toContain(Number(new URL(sandbox.url).port));
      for (const e of out) expect(['127.0.0.1', 'localhost', '::1']).toContain(e.host);
    }
  }, 30_000);
});
