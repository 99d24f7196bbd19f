/**
 * A client on the MCP TypeScript SDK's v2 packages (`@modelcontextprotocol/client` 2.x) with
 * automatic protocol version negotiation lists and calls the seed's tools, over Streamable HTTP
 * through the real CLI, against the Gong stand-in (issue 13: clients built on current SDKs try
 * the 2026-07-28 era first, and get it). The v1 SDK client is exercised by seed-mcp.test.ts.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GongSandbox } from '../../examples/gong-sandbox/server.mjs';
import { startGongSandbox } from '../../examples/gong-sandbox/server.mjs';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import { CLI_MAIN } from '../helpers/cli.js';
import { CONSUMES_NS, MCP_NS, SEED } from './support.js';

const TOKEN = 'e2e-mcp-v2-token-7c1e';
let sandbox: GongSandbox;

beforeAll(async () => {
  ensureBuilt();
  sandbox = await startGongSandbox({ port: 0, token: TOKEN });
}, 120_000);

afterAll(async () => {
  await stopAllCapabilities();
  await sandbox?.close();
});

type ToolText = { content: { type: string; text: string }[]; isError?: boolean };

describe('the seed with an MCP SDK v2 client (automatic version negotiation)', () => {
  it('negotiates a version, lists the tools and calls one that reaches the upstream', async () => {
    const engine = await startCapability(SEED, ['--base-uri', `${CONSUMES_NS}=${sandbox.url}`], {
      GONG_API_KEY: TOKEN,
    });
    const url = engine.urls.get(MCP_NS) as string;
    const client = new Client(
      { name: 'e2e-v2', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    try {
      // The engine speaks 2026-07-28: the client's server/discover probe succeeds, no fallback.
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(client.getProtocolEra()).toBe('modern');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'gong-delete-crm-integration',
        'gong-get-crm-integration-details',
        'gong-register-crm-integration',
      ]);
      const before = sandbox.requests.length;
      const listed = (await client.callTool({
        name: 'gong-get-crm-integration-details',
        arguments: {},
      })) as ToolText;
      expect(listed.isError).toBeFalsy();
      expect(sandbox.requests.length).toBe(before + 1);
      expect(sandbox.requests.at(-1)).toMatchObject({
        method: 'GET',
        headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}` }),
      });
      expect(() => JSON.parse(listed.content[0]?.text ?? '')).not.toThrow();
    } finally {
      await client.close();
    }
  });

  it('negotiates 2026-07-28 over stdio too (a real `naftiko run --stdio` subprocess)', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_MAIN, 'run', SEED, '--stdio', '--base-uri', `${CONSUMES_NS}=${sandbox.url}`],
      env: { PATH: process.env.PATH ?? '', GONG_API_KEY: TOKEN },
      stderr: 'pipe',
    });
    const client = new Client(
      { name: 'e2e-v2-stdio', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await client.connect(transport);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(client.getProtocolEra()).toBe('modern');
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(3);
      const before = sandbox.requests.length;
      const listed = (await client.callTool({
        name: 'gong-get-crm-integration-details',
        arguments: {},
      })) as ToolText;
      expect(listed.isError).toBeFalsy();
      expect(sandbox.requests.length).toBe(before + 1);
    } finally {
      await client.close();
    }
  });
});
