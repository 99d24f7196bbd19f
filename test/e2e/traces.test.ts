/**
 * Traces end to end (issue 10), with a real `naftiko run` subprocess, a recording upstream, a
 * local OTLP/HTTP receiver and the MCP SDK client, all on 127.0.0.1:
 * - a REST call carrying a W3C `traceparent` continues the caller's trace: the upstream receives
 *   the same trace id with the engine's client span as parent; `GET /traces/{id}` shows server →
 *   step → client spans of an orchestrated operation; the same spans reach the OTLP receiver;
 * - an MCP `tools/call` is traced as `tools/call <tool>`, from the HTTP `traceparent`;
 * - `/traces` filters by operation and status, and `naftiko traces` prints the list and one trace.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream } from '../consumes/http/helpers/upstream.js';
import type { Upstream } from '../consumes/http/helpers/upstream.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { freePort, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import type { RunningCapability } from '../helpers/run-capability.js';
import { yaml } from '../helpers/validate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-traces-'));
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const MCP_TRACE = '5bf92f3577b34da6a3ce929d0e0e4737';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

let upstream: Upstream;
let engine: RunningCapability;
let controlPort: number;
const exported: OtlpSpan[] = [];
let receiver: ReturnType<typeof createServer>;

beforeAll(async () => {
  ensureBuilt();
  upstream = await startUpstream((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.path === '/ships') res.end('[{"imo":"IMO1","crew":["c1"]},{"imo":"IMO2","crew":[]}]');
    else if (req.path === '/crew') res.end('[{"id":"c1","name":"Ada"}]');
    else {
      res.statusCode = 503;
      res.end('{"error":"down"}');
    }
  });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of body.resourceSpans)
        for (const ss of rs.scopeSpans) exported.push(...ss.spans);
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const otlp = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  controlPort = await freePort();
  writeFileSync(
    path.join(dir, 'traced.yaml'),
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Traced
        description: A fleet API, traced.
      capability:
        consumes:
          - type: http
            namespace: fleet
            description: The fleet upstream.
            baseUri: ${upstream.url}
            resources:
              - name: ships
                path: /ships
                operations:
                  - name: list-ships
                    method: GET
              - name: crew
                path: /crew
                operations:
                  - name: list-crew
                    method: GET
              - name: broken
                path: /broken
                operations:
                  - name: broken
                    method: GET
        exposes:
          - type: rest
            namespace: fleet-api
            address: 127.0.0.1
            port: 8080
            resources:
              - path: /ships
                name: ships
                description: Ships.
                operations:
                  - method: GET
                    name: list-ships
                    call: fleet.list-ships
              - path: /manifest
                name: manifest
                description: Ships and crew.
                operations:
                  - method: GET
                    name: manifest
                    steps:
                      - type: call
                        name: ships
                        call: fleet.list-ships
                      - type: call
                        name: crew
                        call: fleet.list-crew
                    mappings:
                      - targetName: ships
                        value: $.ships
                      - targetName: crew
                        value: $.crew
              - path: /broken
                name: broken
                description: Always 503 upstream.
                operations:
                  - method: GET
                    name: broken
                    call: fleet.broken
          - type: mcp
            namespace: fleet-mcp
            address: 127.0.0.1
            port: 9090
            description: Fleet tools.
            tools:
              - name: list-ships
                description: Lists ships.
                call: fleet.list-ships
          - type: control
            address: 127.0.0.1
            port: ${controlPort}
            observability:
              traces:
                local:
                  buffer-size: 50
              exporters:
                otlp:
                  endpoint: ${otlp}
    `,
  );
  engine = await startCapability(
    path.join(dir, 'traced.yaml'),
    ['--port', `control=${controlPort}`],
    { OTEL_BSP_SCHEDULE_DELAY: '100' },
  );
}, 120_000);

afterAll(async () => {
  await stopAllCapabilities();
  await upstream?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

const control = () => `http://127.0.0.1:${controlPort}`;
const rest = () => engine.urls.get('fleet-api') as string;

interface SpanView {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  status: string;
  statusMessage?: string;
  attributes: Record<string, unknown>;
}

async function trace(id: string): Promise<{ status: string; spans: SpanView[] }> {
  const response = await fetch(`${control()}/traces/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { status: string; spans: SpanView[] };
}

describe('traces', () => {
  it("continue the caller's trace upstream and record server, step and client spans", async () => {
    const before = upstream.requests.length;
    const response = await fetch(`${rest()}/manifest`, {
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    expect(response.status).toBe(200);
    const sent = upstream.requests.slice(before);
    expect(sent.map((r) => r.path)).toEqual(['/ships', '/crew']);

    const { spans } = await trace(CALLER_TRACE);
    const [server, ...others] = spans;
    expect(server).toMatchObject({
      name: 'GET /manifest',
      kind: 'server',
      parentSpanId: CALLER_SPAN,
      attributes: { 'naftiko.operation': 'manifest', 'http.response.status_code': 200 },
    });
    const steps = others.filter((s) => s.kind === 'internal');
    expect(steps.map((s) => s.name)).toEqual(['step ships', 'step crew']);
    expect(steps.every((s) => s.parentSpanId === server?.spanId)).toBe(true);
    const clients = others.filter((s) => s.kind === 'client');
    expect(clients.map((s) => s.name)).toEqual(['GET fleet.list-ships', 'GET fleet.list-crew']);
    // Each upstream request carried the trace, with its own client span as parent.
    for (const [i, client] of clients.entries()) {
      expect(client.parentSpanId).toBe(steps[i]?.spanId);
      expect(sent[i]?.headers['traceparent']).toBe(`00-${CALLER_TRACE}-${client.spanId}-01`);
    }

    // The same spans reached the OTLP receiver, under the caller's trace id.
    await expect
      .poll(() => exported.filter((s) => s.traceId === CALLER_TRACE).length, { timeout: 10_000 })
      .toBe(5);
    const otlpServer = exported.find((s) => s.traceId === CALLER_TRACE && s.kind === 2);
    expect(otlpServer).toMatchObject({ spanId: server?.spanId, parentSpanId: CALLER_SPAN });
  });

  it('mark an upstream failure as an error, and filter by status and operation', async () => {
    expect((await fetch(`${rest()}/broken`)).status).toBe(503);
    expect((await fetch(`${rest()}/ships`)).status).toBe(200);
    const errors = (await (await fetch(`${control()}/traces?status=error`)).json()) as {
      traces: { traceId: string; operation: string; httpStatus: number }[];
    };
    expect(errors.traces.length).toBeGreaterThanOrEqual(1);
    expect(errors.traces.every((t) => t.operation === 'broken' && t.httpStatus === 503)).toBe(true);
    const broken = await trace(errors.traces[0]?.traceId as string);
    expect(broken.status).toBe('error');
    expect(broken.spans.find((s) => s.kind === 'client')).toMatchObject({
      status: 'error',
      statusMessage: '503',
    });
    const ships = (await (
      await fetch(`${control()}/traces?operation=list-ships&limit=1`)
    ).json()) as {
      count: number;
      traces: { operation: string }[];
    };
    expect(ships.count).toBe(1);
    expect(ships.traces[0]?.operation).toBe('list-ships');
    const bad = await fetch(`${control()}/traces?status=maybe&limit=0`);
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { detail: string };
    expect(problem.detail).toMatch(/status must be/);
    expect(problem.detail).toMatch(/limit must be/);
    expect((await fetch(`${control()}/traces/${'a'.repeat(32)}`)).status).toBe(404);
  });

  it('trace an MCP tool call from its HTTP traceparent', async () => {
    const client = new Client({ name: 'traces-test', version: '0.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(engine.urls.get('fleet-mcp') as string), {
        requestInit: { headers: { traceparent: `00-${MCP_TRACE}-${CALLER_SPAN}-01` } },
      }),
    );
    try {
      const result = await client.callTool({ name: 'list-ships', arguments: {} });
      expect(result.isError).not.toBe(true);
    } finally {
      await client.close();
    }
    const { spans } = await trace(MCP_TRACE);
    expect(spans[0]).toMatchObject({
      name: 'tools/call list-ships',
      kind: 'server',
      parentSpanId: CALLER_SPAN,
      attributes: { 'mcp.method.name': 'tools/call', 'naftiko.adapter': 'fleet-mcp' },
    });
    expect(spans.some((s) => s.kind === 'client' && s.name === 'GET fleet.list-ships')).toBe(true);
  });

  it('are listed and shown by naftiko traces', async () => {
    const env = { NAFTIKO_CONTROL_PORT: String(controlPort), NAFTIKO_CONTROL_ADDRESS: '127.0.0.1' };
    const list = await runCli(['traces', '--operation', 'manifest'], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(CALLER_TRACE);
    expect(list.stdout).toContain('GET /manifest');
    const one = await runCli(['traces', CALLER_TRACE], { env });
    expect(one.code).toBe(0);
    expect(one.stdout.split('\n').slice(1, 6)).toEqual([
      expect.stringMatching(/^server GET \/manifest → 200 [\d.]+ ms$/),
      expect.stringMatching(/^ {2}internal step ships [\d.]+ ms$/),
      expect.stringMatching(/^ {4}client GET fleet\.list-ships → 200 [\d.]+ ms$/),
      expect.stringMatching(/^ {2}internal step crew [\d.]+ ms$/),
      expect.stringMatching(/^ {4}client GET fleet\.list-crew → 200 [\d.]+ ms$/),
    ]);
    const missing = await runCli(['traces', 'f'.repeat(32)], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no recent trace');
    const json = await runCli(['traces', '--status', 'error', '--format', 'json'], { env });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { count: number }).count).toBeGreaterThanOrEqual(1);
  });
});
