/**
 * An imported OpenAPI 3.0 capability (test/fixtures/openapi/orders-openapi30.yaml) run with the
 * real CLI against a recording upstream on loopback: the `with` wiring of the REST routes and MCP
 * tools carries path, query and header parameters and the JSON body upstream, with the bearer
 * token from the environment, and the upstream's answer passes through unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  REPO_ROOT,
  ensureBuilt,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';
import { callTool, connectMcp } from '../e2e/tutorial-support.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  tenant: string | undefined;
  body: string;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'naftiko-import-run-'));
const seen: Seen[] = [];
const upstream = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      tenant: req.headers['x-tenant'] as string | undefined,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    const status = req.method === 'POST' ? 201 : 200;
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: 'o-1', echoed: req.method }));
  });
});

describe('an imported capability runs: with wiring, auth, bodies', () => {
  let upstreamUrl = '';
  beforeAll(async () => {
    ensureBuilt();
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await stopAllCapabilities();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('REST routes and MCP tools reach the upstream with every parameter', async () => {
    const out = path.join(tmp, 'orders.yaml');
    const source = path.join(REPO_ROOT, 'test/fixtures/openapi/orders-openapi30.yaml');
    const imported = await runCli(['import', 'openapi', source, '-o', out]);
    expect(imported.code, imported.stderr).toBe(0);
    const running = await startCapability(
      out,
      ['--base-uri', `order-desk=${upstreamUrl}`, '--address', '*=127.0.0.1'],
      { ORDER_DESK_TOKEN: 'tok-123' },
    );
    const rest = running.urls.get('order-desk-rest') as string;
    const mcpUrl = running.urls.get('order-desk-mcp') as string;

    const order = { customerId: 'c-9', lines: [{ sku: 'A', quantity: 2 }] };
    const posted = await fetch(`${rest}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant': 't-1' },
      body: JSON.stringify(order),
    });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toEqual({ id: 'o-1', echoed: 'POST' });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/orders',
      authorization: 'Bearer tok-123',
      tenant: 't-1',
      body: JSON.stringify(order),
    });

    const listed = await fetch(`${rest}/orders?page=3`, { headers: { 'x-tenant': 't-2' } });
    expect(listed.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/orders?page=3', tenant: 't-2' });

    const client = await connectMcp(mcpUrl);
    try {
      const placed = await callTool(client, 'place-order', { 'X-Tenant': 't-3', body: order });
      expect(placed.isError, placed.text).toBe(false);
      expect(placed.json).toEqual({ id: 'o-1', echoed: 'POST' });
      expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/orders', tenant: 't-3' });
      expect(JSON.parse(seen.at(-1)?.body ?? '')).toEqual(order);

      const cancelled = await callTool(client, 'cancel-order', {
        orderId: 'o 1',
        'X-Tenant': 't-4',
      });
      expect(cancelled.isError, cancelled.text).toBe(false);
      expect(seen.at(-1)).toMatchObject({
        method: 'DELETE',
        url: '/orders/o%201',
        authorization: 'Bearer tok-123',
        tenant: 't-4',
      });

      // A required input missing: refused before any upstream call.
      const before = seen.length;
      const refused = await callTool(client, 'get-orders-order-id', { 'X-Tenant': 't-5' });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/orderId/);
      expect(seen.length).toBe(before);

      const tools = await client.listTools();
      const get = tools.tools.find((t) => t.name === 'get-orders-order-id');
      expect(get?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      expect(get?.inputSchema.required).toEqual(['orderId', 'X-Tenant']);
    } finally {
      await client.close();
    }
  }, 60_000);
});
