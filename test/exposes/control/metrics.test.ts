/**
 * `GET /metrics` on the control adapter (issue 10), through real HTTP in this process: a REST
 * adapter, an MCP adapter and a control adapter over a real upstream on 127.0.0.1 (port 0) and an
 * unreachable one. After REST calls (2xx, an upstream 404, an unreachable upstream → 502, an
 * unknown path) and MCP `tools/call`s, the Prometheus text carries the exact counters with
 * bounded labels, histogram buckets and process metrics; with metrics off the route is 404.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/engine/runtime.js';
import type { RunningAdapter } from '../../../src/exposes/adapter.js';
import { startControlAdapter } from '../../../src/exposes/control/control-adapter.js';
import { startMcpHttpAdapter } from '../../../src/exposes/mcp/mcp-http.js';
import { startRestAdapter } from '../../../src/exposes/rest/rest-adapter.js';
import { disableMetrics, enableMetrics, metrics } from '../../../src/observability/metrics.js';
import { createValidator } from '../../../src/spec/validate.js';
import { startUpstream } from '../../consumes/http/helpers/upstream.js';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../../helpers/run-capability.js';
import { yaml } from '../../helpers/validate.js';

const open: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.stop();
  disableMetrics();
});

const capability = (observability: string) => yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Measured
    description: REST, MCP and control adapters over one upstream.
  capability:
    consumes:
      - type: http
        namespace: up
        description: The upstream.
        baseUri: http://127.0.0.1:9
        resources:
          - name: items
            path: /items
            operations:
              - name: list-items
                method: GET
          - name: item
            path: /items/{{id}}
            operations:
              - name: get-item
                method: GET
                inputParameters:
                  - name: id
                    in: path
      - type: http
        namespace: down
        description: Nobody listens there.
        baseUri: http://127.0.0.1:9
        resources:
          - name: ping
            path: /ping
            operations:
              - name: ping
                method: GET
    exposes:
      - type: rest
        namespace: items-api
        port: 8080
        resources:
          - path: /items
            name: items
            description: Items.
            operations:
              - method: GET
                name: list-items
                call: up.list-items
          - path: /items/{id}
            name: item
            description: One item.
            inputParameters:
              - name: id
                in: path
                type: string
                description: Item id.
            operations:
              - method: GET
                name: get-item
                call: up.get-item
                with:
                  id: "{{id}}"
          - path: /ping
            name: ping
            description: The unreachable upstream.
            operations:
              - method: GET
                name: ping-down
                call: down.ping
      - type: mcp
        namespace: items-mcp
        port: 9090
        description: Item tools.
        tools:
          - name: list-items
            description: Lists items.
            call: up.list-items
      - type: control
        port: 9191
${observability}
`;

async function serve(observability = '', withMetrics = true) {
  const upstream = await startUpstream((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.path === '/items/missing-4711') res.statusCode = 404;
    res.end(req.path === '/items' ? '[{"id":"a1"}]' : '{"id":"a1"}');
  });
  open.push({ stop: () => upstream.close() });
  const result = await createValidator().validateText(
    '/tmp/metrics.yaml',
    capability(observability),
  );
  if (result.capability === undefined) throw new Error(JSON.stringify(result.diagnostics));
  const runtime = createRuntime(result.capability, {
    baseUris: new Map([['up', upstream.url]]),
    env: {},
    connectTimeoutMs: 1_000,
    totalTimeoutMs: 2_000,
  });
  open.push({ stop: () => runtime.close() });
  if (withMetrics) await enableMetrics();
  const urls = new Map<string, string>();
  const listen = { port: 0, address: '127.0.0.1' };
  for (const adapter of result.capability.doc.capability?.exposes ?? []) {
    let running: RunningAdapter | undefined;
    if (adapter.type === 'control') {
      running = await startControlAdapter(adapter, runtime, { ...listen, states: () => [] });
    } else if (adapter.type === 'rest') running = await startRestAdapter(adapter, runtime, listen);
    else if (adapter.type === 'mcp') running = await startMcpHttpAdapter(adapter, runtime, listen);
    if (running === undefined) continue;
    const stopping = running;
    open.push({ stop: () => stopping.stop(200) });
    urls.set(running.type, running.url);
  }
  return { urls };
}

async function callTools(url: string, names: string[]) {
  const client = new Client({ name: 'metrics-test', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    for (const name of names) {
      // An unknown tool is a JSON-RPC error (-32602): counted all the same.
      await client.callTool({ name, arguments: {} }).catch((err: unknown) => {
        if (!String(err).includes('-32602')) throw err;
      });
    }
  } finally {
    await client.close();
  }
}

/** The value of one sample line, by its exact name and label set. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics (control adapter)', () => {
  it('counts REST, MCP and upstream requests with bounded labels', async () => {
    const { urls } = await serve();
    const rest = urls.get('rest')!;
    expect((await fetch(`${rest}/items`)).status).toBe(200);
    expect((await fetch(`${rest}/items`)).status).toBe(200);
    expect((await fetch(`${rest}/items/missing-4711`)).status).toBe(404);
    expect((await fetch(`${rest}/ping`)).status).toBe(502);
    expect((await fetch(`${rest}/no/such/path-9876`)).status).toBe(404);
    await callTools(urls.get('mcp')!, ['list-items', 'no-such-tool-5150']);

    const response = await fetch(`${urls.get('control')}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const rq = (labels: string) => sample(text, `naftiko_requests_total{${labels}}`);
    const restLabels = 'adapter_type="rest",adapter="items-api"';
    expect(rq(`${restLabels},operation="list-items",status_class="2xx"`)).toBe(2);
    expect(rq(`${restLabels},operation="get-item",status_class="4xx"`)).toBe(1);
    expect(rq(`${restLabels},operation="ping-down",status_class="5xx"`)).toBe(1);
    expect(rq(`${restLabels},operation="unmatched",status_class="4xx"`)).toBe(1);
    const mcpLabels = 'adapter_type="mcp",adapter="items-mcp"';
    expect(rq(`${mcpLabels},operation="list-items",status_class="ok"`)).toBe(1);
    expect(rq(`${mcpLabels},operation="unmatched",status_class="error"`)).toBe(1);

    const up = (labels: string) => sample(text, `naftiko_upstream_requests_total{${labels}}`);
    // Two REST calls and one tool call reached list-items.
    expect(up('namespace="up",operation="list-items",outcome="2xx"')).toBe(3);
    expect(up('namespace="up",operation="get-item",outcome="4xx"')).toBe(1);
    expect(up('namespace="down",operation="ping",outcome="UPSTREAM_UNREACHABLE"')).toBe(1);

    expect(
      sample(
        text,
        `naftiko_request_duration_seconds_bucket{le="+Inf",${restLabels},operation="list-items"}`,
      ),
    ).toBe(2);
    expect(
      sample(text, `naftiko_request_duration_seconds_count{${restLabels},operation="list-items"}`),
    ).toBe(2);
    expect(text).toMatch(/^naftiko_request_duration_seconds_bucket\{le="0\.005",/m);
    expect(
      sample(
        text,
        'naftiko_upstream_request_duration_seconds_count{namespace="up",operation="list-items"}',
      ),
    ).toBe(3);
    expect(text).toMatch(/^# TYPE naftiko_upstream_request_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE naftiko_requests_total counter$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes /m);

    // No raw path, id or caller-sent tool name is a label value.
    for (const raw of ['missing-4711', 'path-9876', '/no/such', 'no-such-tool-5150']) {
      expect(text).not.toContain(raw);
    }
  });

  it('answers 404 when the control adapter turns metrics off', async () => {
    const { urls } = await serve(
      '        observability:\n          metrics:\n            local:\n              enabled: false',
    );
    expect((await fetch(`${urls.get('rest')}/items`)).status).toBe(200);
    const response = await fetch(`${urls.get('control')}/metrics`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('answers 404 with the no-op recorder when metrics were never enabled', async () => {
    const { urls } = await serve('', false);
    expect(metrics().enabled).toBe(false);
    expect((await fetch(`${urls.get('rest')}/items`)).status).toBe(200);
    await callTools(urls.get('mcp')!, ['list-items']);
    expect((await fetch(`${urls.get('control')}/metrics`)).status).toBe(404);
  });
});

describe('GET /metrics (naftiko run)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-metrics-'));
  beforeAll(() => ensureBuilt(), 120_000);
  afterAll(async () => {
    await stopAllCapabilities();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, observability: string) {
    const upstream = await startUpstream();
    open.push({ stop: () => upstream.close() });
    const spec = path.join(dir, `${name}.yaml`);
    writeFileSync(spec, capability(observability));
    const running = await startCapability(spec, ['--base-uri', `up=${upstream.url}`], {});
    open.push({ stop: () => running.stop() });
    expect((await fetch(`${running.urls.get('items-api')}/items`)).status).toBe(200);
    return fetch(`${running.urls.get('control')}/metrics`);
  }

  it('serves metrics when the control adapter wants them', async () => {
    const response = await run('on', '');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(
      sample(
        text,
        'naftiko_requests_total{adapter_type="rest",adapter="items-api",operation="list-items",status_class="2xx"}',
      ),
    ).toBe(1);
  });

  it('answers 404 with observability.enabled: false', async () => {
    const response = await run('off', '        observability:\n          enabled: false');
    expect(response.status).toBe(404);
  });

  it('counts auth refusals by code and failed script steps by reason', async () => {
    mkdirSync(path.join(dir, 'scripts'), { recursive: true });
    writeFileSync(path.join(dir, 'scripts', 'boom.js'), "throw new Error('boom');\n");
    const spec = path.join(dir, 'counted.yaml');
    writeFileSync(
      spec,
      yaml`
        naftiko: 1.0.0-alpha2
        info:
          label: Counted
          description: A locked REST adapter with a failing script step.
        binds:
          - namespace: env
            keys:
              API_TOKEN: COUNTED_API_TOKEN
        capability:
          exposes:
            - type: rest
              namespace: counted-api
              port: 8080
              authentication:
                type: bearer
                token: "{{API_TOKEN}}"
              resources:
                - path: /boom
                  name: boom
                  description: Runs a script that throws.
                  operations:
                    - method: GET
                      name: boom
                      steps:
                        - type: script
                          name: explode
                          language: javascript
                          location: 'file:///./scripts'
                          file: boom.js
            - type: control
              port: 9191
      `,
    );
    const running = await startCapability(spec, [], { COUNTED_API_TOKEN: 'counted-token-1' });
    open.push({ stop: () => running.stop() });
    const api = running.urls.get('counted-api')!;
    expect((await fetch(`${api}/boom`)).status).toBe(401);
    expect((await fetch(`${api}/boom`, { headers: { authorization: 'Bearer nope' } })).status).toBe(
      401,
    );
    const authorized = { headers: { authorization: 'Bearer counted-token-1' } };
    expect((await fetch(`${api}/boom`, authorized)).status).toBe(500);
    expect((await fetch(`${api}/boom`, authorized)).status).toBe(500);
    const text = await (await fetch(`${running.urls.get('control')}/metrics`)).text();
    const refused = (code: string) =>
      sample(
        text,
        `naftiko_auth_refusals_total{adapter_type="rest",adapter="counted-api",code="${code}"}`,
      );
    expect(refused('AUTH_REQUIRED')).toBe(1);
    expect(refused('AUTH_INVALID')).toBe(1);
    expect(sample(text, 'naftiko_script_failures_total{step="explode",reason="exception"}')).toBe(
      2,
    );
    expect(text).not.toContain('counted-token-1');
  });
});
