/**
 * Request ids and the access log (issue 11), through real HTTP in this process: a REST adapter
 * and an MCP adapter over a recording upstream on 127.0.0.1.
 * - `X-Request-Id`: a caller's usable id is kept, an unusable one (spaces, too long) replaced by
 *   a UUID, a missing one generated; it is returned to the REST caller and sent upstream, also
 *   by an MCP tool call;
 * - the access log: one entry per request with method, route template, status, duration, request
 *   id and each upstream exchange — never a query value or a header.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/engine/runtime.js';
import { startMcpHttpAdapter } from '../../src/exposes/mcp/mcp-http.js';
import { startRestAdapter } from '../../src/exposes/rest/rest-adapter.js';
import { disableAccessLog, enableAccessLog } from '../../src/observability/access-log.js';
import type { AccessEntry } from '../../src/observability/access-log.js';
import { createValidator } from '../../src/spec/validate.js';
import { startUpstream } from '../consumes/http/helpers/upstream.js';
import type { Upstream } from '../consumes/http/helpers/upstream.js';
import { yaml } from '../helpers/validate.js';

const open: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.stop();
  disableAccessLog();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const capability = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Identified
    description: REST and MCP over one upstream.
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
                inputParameters:
                  - name: filter
                    in: query
                    type: string
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
                with:
                  filter: "{{filter}}"
                inputParameters:
                  - name: filter
                    in: query
                    type: string
                    description: A filter.
      - type: mcp
        namespace: items-mcp
        port: 9090
        description: Item tools.
        tools:
          - name: list-items
            description: Lists items.
            call: up.list-items
`;

async function serve(): Promise<{ rest: string; mcp: string; upstream: Upstream }> {
  const upstream = await startUpstream();
  open.push({ stop: () => upstream.close() });
  const result = await createValidator().validateText('/tmp/ids.yaml', capability);
  if (result.capability === undefined) throw new Error(JSON.stringify(result.diagnostics));
  const runtime = createRuntime(result.capability, {
    baseUris: new Map([['up', upstream.url]]),
    env: {},
  });
  open.push({ stop: () => runtime.close() });
  const listen = { port: 0, address: '127.0.0.1' };
  const urls: Record<string, string> = {};
  for (const adapter of result.capability.doc.capability?.exposes ?? []) {
    const running =
      adapter.type === 'rest'
        ? await startRestAdapter(adapter, runtime, listen)
        : adapter.type === 'mcp'
          ? await startMcpHttpAdapter(adapter, runtime, listen)
          : undefined;
    if (running === undefined) continue;
    open.push({ stop: () => running.stop(200) });
    urls[running.type] = running.url;
  }
  return { rest: urls['rest'] as string, mcp: urls['mcp'] as string, upstream };
}

describe('X-Request-Id', () => {
  it("keeps a caller's usable id, replaces an unusable one, and sends it upstream", async () => {
    const { rest, upstream } = await serve();
    const sent = async (header?: string) => {
      const response = await fetch(`${rest}/items`, {
        headers: header === undefined ? {} : { 'x-request-id': header },
      });
      expect(response.status).toBe(200);
      const id = response.headers.get('x-request-id');
      expect(upstream.last().headers['x-request-id']).toBe(id);
      return id;
    };
    expect(await sent('caller-id-42')).toBe('caller-id-42');
    expect(await sent()).toMatch(UUID);
    expect(await sent('has spaces in it')).toMatch(UUID);
    expect(await sent('x'.repeat(200))).toMatch(UUID);
    const first = await sent();
    expect(await sent()).not.toBe(first);
  });

  it('is sent upstream by an MCP tool call', async () => {
    const { mcp, upstream } = await serve();
    const client = new Client({ name: 'ids-test', version: '0.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(mcp), {
        requestInit: { headers: { 'x-request-id': 'mcp-call-7' } },
      }),
    );
    try {
      expect((await client.callTool({ name: 'list-items', arguments: {} })).isError).not.toBe(true);
    } finally {
      await client.close();
    }
    expect(upstream.last().headers['x-request-id']).toBe('mcp-call-7');
  });
});

describe('access log', () => {
  it('writes one entry per request, with its upstream exchanges and no query values', async () => {
    const entries: AccessEntry[] = [];
    enableAccessLog((entry) => entries.push(entry));
    const { rest, mcp } = await serve();
    expect((await fetch(`${rest}/items?filter=secret-value-9`)).status).toBe(200);
    const client = new Client({ name: 'log-test', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp)));
    try {
      await client.callTool({ name: 'list-items', arguments: {} });
    } finally {
      await client.close();
    }
    expect(entries).toHaveLength(2);
    const [restEntry, mcpEntry] = entries;
    expect(restEntry).toMatchObject({
      adapterType: 'rest',
      adapter: 'items-api',
      method: 'GET',
      route: '/items',
      operation: 'list-items',
      status: 200,
      requestId: expect.stringMatching(UUID),
      upstream: [{ upstream: 'up.list-items', outcome: 200, ms: expect.any(Number) }],
    });
    expect(mcpEntry).toMatchObject({
      adapterType: 'mcp',
      method: 'tools/call',
      route: 'tools/call list-items',
      status: 'ok',
      upstream: [{ upstream: 'up.list-items', outcome: 200 }],
    });
    expect(JSON.stringify(entries)).not.toContain('secret-value-9');
  });
});
