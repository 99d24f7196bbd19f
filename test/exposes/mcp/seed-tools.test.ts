/**
 * The seed's MCP adapter (specs/crm-crm-integration.yaml) over an in-memory MCP pair, in front of
 * the Gong stand-in (examples/gong-sandbox): tools derived from the consumed parameters that
 * `with` reaches, annotations from `hints`, each call reaching the sandbox, input problems
 * refused before any upstream call, unknown tools as JSON-RPC -32602 (contract §8).
 */
import path from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GongSandbox } from '../../../examples/gong-sandbox/server.mjs';
import { startGongSandbox } from '../../../examples/gong-sandbox/server.mjs';
import type { LoadedCapability } from '../../../src/spec/validate.js';
import { call, closeMcp, load, mcpClient, text } from './helpers/mcp-client.js';

const TOKEN = 'mcp-seed-token-4c1d';
const SEED = path.join(import.meta.dirname, '../../../specs/crm-crm-integration.yaml');

let sandbox: GongSandbox;
let seed: LoadedCapability;

beforeAll(async () => {
  sandbox = await startGongSandbox({ port: 0, token: TOKEN });
  seed = await load({ file: SEED });
});
afterAll(() => sandbox?.close());
beforeEach(() => sandbox.reset());
afterEach(closeMcp);

const connect = () =>
  mcpClient(seed, {
    upstreams: { 'crm-crm-integration': sandbox.url },
    env: { GONG_API_KEY: TOKEN },
  });

describe('seed MCP adapter: initialize and tools/list', () => {
  it('names the server after the adapter and gives its description as instructions', async () => {
    const { client } = await connect();
    expect(client.getServerVersion()?.name).toBe('crm-crm-integration-mcp');
    expect(client.getInstructions()).toMatch(/^MCP adapter for Gong CRM API/);
    expect(client.getServerCapabilities()?.tools).toBeDefined();
  });

  it('lists the three tools with derived input schemas and annotations', async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'gong-register-crm-integration',
      'gong-get-crm-integration-details',
      'gong-delete-crm-integration',
    ]);
    const [register, get, del] = tools;
    expect(register?.description).toBe('Gong Register a CRM integration');
    expect(register?.inputSchema).toEqual({
      type: 'object',
      properties: { body: { type: 'object', description: 'Request body (JSON).' } },
      required: ['body'],
    });
    expect(register?.annotations).toEqual({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
    });
    expect(get?.inputSchema).toEqual({ type: 'object', properties: {} });
    expect(get?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(del?.inputSchema).toEqual({
      type: 'object',
      properties: {
        integrationId: {
          type: 'string',
          description: 'The unique identifier of the CRM integration to delete.',
        },
        clientRequestId: {
          type: 'string',
          description: 'A client-generated request ID for idempotency.',
        },
      },
      required: ['integrationId'],
    });
    expect(del?.annotations).toMatchObject({ destructiveHint: true, idempotentHint: true });
  });
});

describe('seed MCP adapter: tools/call', () => {
  it('registers, lists and deletes an integration through the sandbox', async () => {
    const { client } = await connect();
    const created = await call(client, 'gong-register-crm-integration', {
      body: { ownerEmail: 'ops@example.com', name: 'Salesforce EU' },
    });
    expect(created.isError).toBeFalsy();
    const put = sandbox.requests.at(-1);
    expect(put).toMatchObject({
      method: 'PUT',
      path: '/v2/crm/integrations',
      body: { ownerEmail: 'ops@example.com', name: 'Salesforce EU' },
    });
    expect(put?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const { integrationId } = created.structuredContent as { integrationId: number };
    expect(JSON.parse(text(created))).toEqual(created.structuredContent);

    const listed = await call(client, 'gong-get-crm-integration-details');
    expect(listed.isError).toBeFalsy();
    expect(sandbox.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v2/crm/integrations' });
    expect(listed.structuredContent).toMatchObject({
      integrations: [{ integrationId, ownerEmail: 'ops@example.com', name: 'Salesforce EU' }],
    });

    const deleted = await call(client, 'gong-delete-crm-integration', {
      integrationId: String(integrationId),
      clientRequestId: 'req-1',
    });
    expect(deleted.isError).toBeFalsy();
    expect(sandbox.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      query: { integrationId: String(integrationId), clientRequestId: 'req-1' },
    });
    expect(deleted.structuredContent).toMatchObject({ clientRequestId: 'req-1' });
    expect(sandbox.integrations.size).toBe(0);
  });

  it('refuses a missing integrationId with an isError result and no upstream request', async () => {
    const { client } = await connect();
    const result = await call(client, 'gong-delete-crm-integration', {});
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('INPUT_INVALID: integrationId is required');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('names every input problem at once', async () => {
    const { client } = await connect();
    const result = await call(client, 'gong-delete-crm-integration', { clientRequestId: 7 });
    expect(text(result)).toBe(
      'INPUT_INVALID: integrationId is required; clientRequestId must be a string',
    );
    expect(sandbox.requests).toHaveLength(0);
  });

  it('turns an upstream error status into an isError result quoting the body', async () => {
    const { client } = await connect();
    const result = await call(client, 'gong-delete-crm-integration', { integrationId: '42' });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^upstream answered 404: \{.*"errors"/);
    expect(result.structuredContent).toBeUndefined();
  });

  it('answers an unknown tool with JSON-RPC error -32602', async () => {
    const { client } = await connect();
    const failure = await call(client, 'no-such-tool').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(McpError);
    expect((failure as McpError).code).toBe(-32602);
    expect((failure as McpError).message).toMatch(/unknown tool: no-such-tool/);
  });
});
