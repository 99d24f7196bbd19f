/**
 * The seed's MCP adapter through the real CLI, with the SDK's own client: over Streamable HTTP
 * (`naftiko run`) and over stdio (`naftiko run --stdio`, a real subprocess), against the Gong
 * stand-in.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GongSandbox } from '../../examples/gong-sandbox/server.mjs';
import { startGongSandbox } from '../../examples/gong-sandbox/server.mjs';
import { CLI_MAIN } from '../helpers/cli.js';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import { CONSUMES_NS, MCP_NS, SEED } from './support.js';

const TOKEN = 'e2e-mcp-token-0b7d';
let sandbox: GongSandbox;

beforeAll(async () => {
  ensureBuilt();
  sandbox = await startGongSandbox({ port: 0, token: TOKEN });
}, 120_000);

afterAll(async () => {
  await stopAllCapabilities();
  await sandbox?.close();
});

beforeEach(() => sandbox.reset());

type ToolText = { content: { type: string; text: string }[]; isError?: boolean };

async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual([
    'gong-delete-crm-integration',
    'gong-get-crm-integration-details',
    'gong-register-crm-integration',
  ]);
  const del = tools.find((t) => t.name === 'gong-delete-crm-integration');
  expect(del?.inputSchema.required).toEqual(['integrationId']);
  expect(del?.annotations).toMatchObject({ destructiveHint: true, idempotentHint: true });

  const registered = (await client.callTool({
    name: 'gong-register-crm-integration',
    arguments: { body: { ownerEmail: 'mcp@example.com', name: 'Via MCP' } },
  })) as ToolText;
  expect(registered.isError).toBeFalsy();
  const id = String(
    (JSON.parse(registered.content[0]?.text ?? '{}') as { integrationId: number }).integrationId,
  );
  expect(sandbox.requests.at(-1)).toMatchObject({
    method: 'PUT',
    body: { ownerEmail: 'mcp@example.com', name: 'Via MCP' },
    headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}` }),
  });

  const missing = (await client.callTool({
    name: 'gong-delete-crm-integration',
    arguments: {},
  })) as ToolText;
  expect(missing.isError).toBe(true);
  expect(missing.content[0]?.text).toContain('integrationId');
  expect(sandbox.requests.at(-1)?.method).toBe('PUT'); // nothing sent for the refused call

  const deleted = (await client.callTool({
    name: 'gong-delete-crm-integration',
    arguments: { integrationId: id },
  })) as ToolText;
  expect(deleted.isError).toBeFalsy();
  expect(sandbox.requests.at(-1)).toMatchObject({ method: 'DELETE', query: { integrationId: id } });
}

describe('the seed over MCP', () => {
  it('Streamable HTTP: tools listed with derived schemas; calls reach the upstream', async () => {
    const engine = await startCapability(SEED, ['--base-uri', `${CONSUMES_NS}=${sandbox.url}`], {
      GONG_API_KEY: TOKEN,
    });
    const url = engine.urls.get(MCP_NS);
    expect(url).toMatch(/^http:\/\/localhost:\d+\/mcp$/);
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url as string)));
    try {
      expect(client.getServerVersion()?.name).toBe(MCP_NS);
      await exercise(client);
    } finally {
      await client.close();
    }
  });

  it('stdio: a real `naftiko run --stdio` subprocess, logs on stderr only', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_MAIN, 'run', SEED, '--stdio', '--base-uri', `${CONSUMES_NS}=${sandbox.url}`],
      env: { PATH: process.env.PATH ?? '', GONG_API_KEY: TOKEN },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'e2e-stdio', version: '1.0.0' });
    await client.connect(transport);
    try {
      await exercise(client);
    } finally {
      await client.close();
    }
    expect(stderr).toContain('listening on stdio:');
    expect(stderr).not.toContain(TOKEN);
  });
});
