/**
 * How a tool call's outcome reaches an MCP client (contract §8): mapped values as JSON text with
 * `structuredContent` for objects only, declared inputs checked by type, upstream errors quoted
 * (truncated, secrets redacted), transport failures as `code: message` — always `isError`
 * results, never JSON-RPC errors. A real upstream on 127.0.0.1 port 0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ERROR_BODY_CHARS } from '../../../src/exposes/mcp/tool-result.js';
import { call, closeMcp, load, mcpClient, text, upstream, yaml } from './helpers/mcp-client.js';
import type { Handler, Upstream } from './helpers/mcp-client.js';

afterEach(closeMcp);

const SECRET = 'tok-very-secret-91ab';

/** /items/{id}: 7 → an item, 13 → a 500 echoing the token and a long tail; others 404. */
const items: Handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.path === '/items/7') return void res.end('{"id":7,"name":"anchor","tags":["a","b"]}');
  if (req.path === '/items') return void res.end('[{"id":7},{"id":8}]');
  if (req.path === '/items/13') {
    res.statusCode = 500;
    return void res.end(`{"error":"bad token ${SECRET}","pad":"${'x'.repeat(5000)}"}`);
  }
  res.statusCode = 404;
  res.end(`{"error":"no item at ${req.path}"}`);
};

const CAPABILITY = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Items
    description: Items behind MCP.
  binds:
    - namespace: env
      keys:
        ITEMS_TOKEN: ITEMS_TOKEN
  capability:
    consumes:
      - type: http
        namespace: items
        baseUri: http://items.invalid
        authentication:
          type: bearer
          token: '{{env.ITEMS_TOKEN}}'
        resources:
          - name: item
            path: /items/{{id}}
            operations:
              - name: get-item
                method: GET
          - name: items
            path: /items
            operations:
              - name: list-items
                method: GET
    exposes:
      - type: mcp
        namespace: items-mcp
        port: 9090
        description: Items tools.
        tools:
          - name: item-name
            label: Item name
            description: The name of an item.
            inputParameters:
              - name: id
                type: integer
                description: Item id.
            call: items.get-item
            with:
              id: tools.id
            outputParameters:
              - type: object
                properties:
                  name:
                    type: string
                    mapping: $.name
          - name: item-tags
            description: The tags of an item.
            inputParameters:
              - name: id
                type: integer
                description: Item id.
            call: items.get-item
            with:
              id: tools.id
            outputParameters:
              - type: array
                mapping: $.tags
          - name: list-items
            description: Every item, as the upstream answers.
            call: items.list-items
`;

async function connect(target: Upstream | string) {
  const capability = await load({ text: CAPABILITY });
  return mcpClient(capability, { upstreams: { items: target }, env: { ITEMS_TOKEN: SECRET } });
}

describe('MCP tool results', () => {
  it('gives a mapped object as JSON text and structuredContent', async () => {
    const up = await upstream(items);
    const { client } = await connect(up);
    const result = await call(client, 'item-name', { id: 7 });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ name: 'anchor' });
    expect(JSON.parse(text(result))).toEqual({ name: 'anchor' });
    expect(up.last().headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('gives a non-object value as text only', async () => {
    const up = await upstream(items);
    const { client } = await connect(up);
    const tags = await call(client, 'item-tags', { id: 7 });
    expect(text(tags)).toBe('["a","b"]');
    expect(tags.structuredContent).toBeUndefined();
    const list = await call(client, 'list-items');
    expect(text(list)).toBe('[{"id":7},{"id":8}]');
    expect(list.structuredContent).toBeUndefined();
  });

  it('checks declared input types before any upstream call', async () => {
    const up = await upstream(items);
    const { client } = await connect(up);
    const result = await call(client, 'item-name', { id: 'seven' });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('INPUT_INVALID: id must be an integer');
    expect(up.requests).toHaveLength(0);
  });

  it('quotes an upstream error, redacted and truncated', async () => {
    const up = await upstream(items);
    const { client } = await connect(up);
    const missing = await call(client, 'item-name', { id: 9 });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toBe('upstream answered 404: {"error":"no item at /items/9"}');

    const failed = await call(client, 'item-name', { id: 13 });
    const message = text(failed);
    expect(failed.isError).toBe(true);
    expect(message).toMatch(/^upstream answered 500: \{"error":"bad token \[redacted\]"/);
    expect(message).not.toContain(SECRET);
    expect(message.length).toBeLessThanOrEqual(
      'upstream answered 500: '.length + MAX_ERROR_BODY_CHARS + 1,
    );
    expect(message.endsWith('…')).toBe(true);
  });

  it('reports an unreachable upstream as UPSTREAM_UNREACHABLE', async () => {
    const up = await upstream(items);
    const url = up.url;
    await up.close();
    const { client } = await connect(url);
    const result = await call(client, 'item-name', { id: 7 });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^UPSTREAM_UNREACHABLE: /);
  });
});
