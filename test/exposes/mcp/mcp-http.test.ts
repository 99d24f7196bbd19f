/**
 * The seed's MCP adapter over Streamable HTTP on a real port (0), with the SDK's
 * `StreamableHTTPClientTransport`: sessions, `/mcp` and `/`, Host and Origin checks against DNS
 * rebinding, unknown sessions, stateless mode and a prompt stop with open SSE streams.
 */
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GongSandbox } from '../../../examples/gong-sandbox/server.mjs';
import { startGongSandbox } from '../../../examples/gong-sandbox/server.mjs';
import type { RunningAdapter } from '../../../src/exposes/adapter.js';
import { startMcpHttpAdapter } from '../../../src/exposes/mcp/mcp-http.js';
import type { McpHttpOptions } from '../../../src/exposes/mcp/mcp-http.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { closeMcp, load, mcpRuntime } from './helpers/mcp-client.js';
import { post } from './helpers/raw-mcp.js';

const TOKEN = 'mcp-http-token-88e2';
const SEED = path.join(import.meta.dirname, '../../../specs/crm-crm-integration.yaml');

let sandbox: GongSandbox;
const running: RunningAdapter[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  sandbox = await startGongSandbox({ port: 0, token: TOKEN });
});
afterAll(() => sandbox?.close());
beforeEach(() => sandbox.reset());
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((r) => r.stop(1_000)));
  await closeMcp();
});

async function start(options: McpHttpOptions = {}): Promise<RunningAdapter> {
  const { adapter, runtime } = await mcpRuntime(await load({ file: SEED }), {
    upstreams: { 'crm-crm-integration': sandbox.url },
    env: { GONG_API_KEY: TOKEN },
  });
  const adapterRun = await startMcpHttpAdapter(adapter, runtime, { port: 0, ...options });
  running.push(adapterRun);
  return adapterRun;
}

async function connect(
  url: string,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'naftiko-http-test', version: '0.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'raw', version: '0' },
  },
});

describe('MCP over Streamable HTTP', () => {
  it('listens on localhost at /mcp and serves tools/list and tools/call in a session', async () => {
    const adapter = await start();
    expect(adapter.url).toMatch(/^http:\/\/localhost:\d+\/mcp$/);
    const { client, transport } = await connect(adapter.url);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.getServerVersion()?.name).toBe('crm-crm-integration-mcp');
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(3);
    const result = (await client.callTool({
      name: 'gong-register-crm-integration',
      arguments: { body: { ownerEmail: 'ops@example.com', name: 'HubSpot' } },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ integrationId: expect.any(Number) });
    expect(sandbox.requests.at(-1)).toMatchObject({ method: 'PUT', body: { name: 'HubSpot' } });
  });

  it('serves / as well as /mcp', async () => {
    const adapter = await start();
    const { client } = await connect(adapter.url.replace(/\/mcp$/, '/'));
    expect((await client.listTools()).tools).toHaveLength(3);
  });

  it('refuses a foreign Origin and a foreign Host (DNS rebinding)', async () => {
    const adapter = await start();
    const evilOrigin = await post(adapter.url, INITIALIZE, { origin: 'http://evil.example' });
    expect(evilOrigin.status).toBe(403);
    expect(JSON.parse(evilOrigin.body)).toMatchObject({ error: { code: -32000 } });
    const port = new URL(adapter.url).port;
    const evilHost = await post(adapter.url, INITIALIZE, { host: `evil.example:${port}` });
    expect(evilHost.status).toBe(403);
    const local = await post(adapter.url, INITIALIZE, { origin: `http://localhost:${port}` });
    expect(local.status).toBe(200);
  });

  it('guards an adapter bound to any 127.0.0.0/8 address, naming itself or localhost', async () => {
    const adapter = await start({ address: '127.0.0.2' });
    const port = new URL(adapter.url).port;
    expect(new URL(adapter.url).hostname).toBe('127.0.0.2');
    const evilHost = await post(adapter.url, INITIALIZE, { host: `evil.example:${port}` });
    expect(evilHost.status).toBe(403);
    const evilOrigin = await post(adapter.url, INITIALIZE, { origin: 'http://evil.example' });
    expect(evilOrigin.status).toBe(403);
    for (const host of [`127.0.0.2:${port}`, `localhost:${port}`]) {
      expect((await post(adapter.url, INITIALIZE, { host })).status, host).toBe(200);
    }
  });

  it('answers an unknown session with 404 and a request without one with 400', async () => {
    const adapter = await start();
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const unknown = await post(adapter.url, list, { 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).toBe(404);
    const none = await post(adapter.url, list);
    expect(none.status).toBe(400);
  });

  it('answers malformed JSON with a JSON-RPC parse error and other media types with 415', async () => {
    const adapter = await start();
    const result = await post(adapter.url, '{not json');
    expect(result.status).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: -32700 } });
    const text = await post(adapter.url, INITIALIZE, { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
  });

  it('works without sessions in stateless mode', async () => {
    const adapter = await start({ stateless: true });
    const { client, transport } = await connect(adapter.url);
    expect(transport.sessionId).toBeUndefined();
    const result = (await client.callTool({
      name: 'gong-get-crm-integration-details',
      arguments: {},
    })) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ integrations: [] });
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(adapter.url, { method, headers: { accept: 'text/event-stream' } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('lets an in-flight tool call finish when stopping', async () => {
    const adapter = await start();
    const { client } = await connect(adapter.url);
    sandbox.setDelay(300);
    const pending = client.callTool({ name: 'gong-get-crm-integration-details', arguments: {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    running.splice(running.indexOf(adapter), 1);
    await adapter.stop(5_000);
    const result = (await pending) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ integrations: [] });
  });

  it('stops promptly with a session and its SSE stream open', async () => {
    const adapter = await start();
    const { client } = await connect(adapter.url);
    await client.listTools();
    running.splice(running.indexOf(adapter), 1);
    const started = Date.now();
    await adapter.stop(5_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(client.listTools()).rejects.toThrow();
  });
});
