/**
 * MCP session limits over real HTTP (issue 11): the cap on live sessions (503 with Retry-After,
 * nothing allocated, room again once sessions close), idle expiry (404, then a new session
 * works), a flood of initializes bounded by the cap, the per-client rate limit in JSON-RPC form,
 * and stateless mode left alone. The seed's MCP adapter on port 0, the SDK's own client.
 */
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startMcpHttpAdapter } from '../../../src/exposes/mcp/mcp-http.js';
import type { McpHttpOptions, RunningMcpHttpAdapter } from '../../../src/exposes/mcp/mcp-http.js';
import { closeMcp, load, mcpRuntime } from './helpers/mcp-client.js';

const SEED = path.join(import.meta.dirname, '../../../specs/crm-crm-integration.yaml');

const running: RunningMcpHttpAdapter[] = [];
const clients: Client[] = [];

afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((r) => r.stop(1_000)));
  await closeMcp();
});

async function start(options: McpHttpOptions = {}): Promise<RunningMcpHttpAdapter> {
  const { adapter, runtime } = await mcpRuntime(await load({ file: SEED }), {
    upstreams: { 'crm-crm-integration': 'http://127.0.0.1:9' },
    env: { GONG_API_KEY: 'unused' },
  });
  const adapterRun = await startMcpHttpAdapter(adapter, runtime, { port: 0, ...options });
  running.push(adapterRun);
  return adapterRun;
}

async function connect(
  url: string,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'naftiko-limits-test', version: '0.0.0' });
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

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw POST (a fresh connection each time, from `localAddress`), answering status, headers, body. */
function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  localAddress?: string,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        ...(localAddress !== undefined ? { localAddress } : {}),
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MCP session limits', () => {
  it('answers initialize past the cap with 503, Retry-After and a JSON-RPC error, and recovers when a session closes', async () => {
    const adapter = await start({ maxSessions: 2 });
    const first = await connect(adapter.url);
    await connect(adapter.url);
    expect(adapter.sessionCount()).toBe(2);

    const refused = await post(adapter.url, INITIALIZE);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body)).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, data: { code: 'SESSION_LIMIT_REACHED' } },
      id: null,
    });
    expect(JSON.parse(refused.body).error.message).toMatch(/too many open sessions \(2\)/);
    // The SDK client sees the refusal as a failed connect.
    await expect(connect(adapter.url)).rejects.toThrow();
    expect(adapter.sessionCount()).toBe(2);

    // DELETE ends a session (MCP session management): its room is free again.
    await first.transport.terminateSession();
    expect(adapter.sessionCount()).toBe(1);
    const again = await connect(adapter.url);
    expect((await again.client.listTools()).tools).toHaveLength(3);
    expect(adapter.sessionCount()).toBe(2);
  });

  it('closes a session idle past its timeout: its id answers 404 and the client re-initializes', async () => {
    const adapter = await start({ sessionIdleMs: 300 });
    const { client, transport } = await connect(adapter.url);
    const id = transport.sessionId!;
    expect((await client.listTools()).tools).toHaveLength(3);

    await sleep(900);
    expect(adapter.sessionCount()).toBe(0);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const expired = await post(adapter.url, list, {
      'mcp-session-id': id,
      'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
    });
    expect(expired.status).toBe(404);
    expect(JSON.parse(expired.body)).toMatchObject({ error: { code: -32001 } });
    await expect(client.listTools()).rejects.toThrow(/404|Session not found/);

    const fresh = await connect(adapter.url);
    expect(fresh.transport.sessionId).not.toBe(id);
    expect((await fresh.client.listTools()).tools).toHaveLength(3);
  });

  it('keeps a session that is in use: requests reset its idle clock', async () => {
    const adapter = await start({ sessionIdleMs: 400 });
    const { client } = await connect(adapter.url);
    for (let i = 0; i < 5; i++) {
      await sleep(150);
      expect((await client.listTools()).tools).toHaveLength(3);
    }
    expect(adapter.sessionCount()).toBe(1);
  });

  it('stays within the cap under 2,000 initializes: the rest get 503 and nothing is kept', async () => {
    const adapter = await start({ maxSessions: 100 });
    const statuses = new Map<number, number>();
    const rssBefore = process.memoryUsage().rss;
    for (let batch = 0; batch < 40; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => post(adapter.url, INITIALIZE)),
      );
      for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      expect(adapter.sessionCount()).toBeLessThanOrEqual(100);
    }
    expect(adapter.sessionCount()).toBe(100);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 100, 503: 1900 });
    // For the report only (RSS is noisy in a shared test process): printed, not asserted.
    const grown = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    console.info(
      `2,000 initializes, cap 100: ${adapter.sessionCount()} sessions, RSS +${grown.toFixed(1)} MiB`,
    );
  }, 60_000);

  it('leaves stateless mode alone: no session is kept, none is refused', async () => {
    const adapter = await start({ stateless: true, maxSessions: 1 });
    for (let i = 0; i < 3; i++) expect((await post(adapter.url, INITIALIZE)).status).toBe(200);
    expect(adapter.sessionCount()).toBe(0);
  });

  it('answers a client past its rate with 429, Retry-After and a JSON-RPC error; others are unaffected', async () => {
    const adapter = await start({ address: '127.0.0.1', limits: { rateLimit: 2 } });
    const from = (address: string) => post(adapter.url, INITIALIZE, {}, address);
    expect((await from('127.0.0.1')).status).toBe(200);
    expect((await from('127.0.0.1')).status).toBe(200);
    const limited = await from('127.0.0.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(limited.body)).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, data: { code: 'RATE_LIMITED' } },
      id: null,
    });
    // Another loopback source address is another client, with its own allowance.
    expect((await from('127.0.0.2')).status).toBe(200);
    expect((await from('127.0.0.1')).status).toBe(429);
  });
});
