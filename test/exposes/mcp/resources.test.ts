/**
 * MCP resources (contract §8) with the real SDK client over an in-memory pair: static `location`
 * files and folders (listed recursively, MIME types guessed, binary as base64, traversal
 * refused), dynamic resources backed by a real upstream on 127.0.0.1 port 0 — exact URIs in
 * `resources/list`, URI templates in `resources/templates/list` — and unknown URIs as -32602.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeMcp, load, mcpClient, rpcError, upstream, yaml } from './helpers/mcp-client.js';
import type { Handler } from './helpers/mcp-client.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'naftiko-mcp-resources-'));
  await fs.mkdir(path.join(dir, 'docs/guides'), { recursive: true });
  await fs.writeFile(path.join(dir, 'docs/readme.md'), '# Read me\n');
  await fs.writeFile(path.join(dir, 'docs/guides/setup.json'), '{"steps":2}');
  await fs.writeFile(path.join(dir, 'docs/logo.bin'), Buffer.from([0, 1, 2, 255]));
  await fs.writeFile(path.join(dir, 'secret.txt'), 'do not serve');
  await fs.writeFile(path.join(dir, 'notes.txt'), 'plain notes');
  await fs.symlink(path.join(dir, 'secret.txt'), path.join(dir, 'docs/escape.txt'));
});
afterEach(async () => {
  await closeMcp();
  await fs.rm(dir, { recursive: true, force: true });
});

const items: Handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.path === '/items/7') return void res.end('{"id":7,"name":"anchor"}');
  if (req.path === '/items') return void res.end('[{"id":7},{"id":8}]');
  res.statusCode = 404;
  res.end('{"error":"not found"}');
};

function capability(folderUri: string, fileUri: string): string {
  return yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Resources
      description: Resources behind MCP.
    capability:
      consumes:
        - type: http
          namespace: items
          baseUri: http://items.invalid
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
          namespace: res-mcp
          port: 9090
          description: Resources.
          tools:
            - name: list-items
              description: Every item.
              call: items.list-items
          resources:
            - name: docs
              label: Docs
              uri: docs://guides
              description: The documentation folder.
              location: ${folderUri}
            - name: notes
              label: Notes
              uri: notes://main
              description: One notes file.
              location: ${fileUri}
            - name: item
              label: Item
              uri: items://{id}
              description: One item by id.
              call: items.get-item
            - name: item-name
              label: Item name
              uri: items://{id}/name
              description: The name of one item.
              call: items.get-item
              outputParameters:
                - type: object
                  properties:
                    name:
                      type: string
                      mapping: $.name
            - name: all-items
              label: All items
              uri: items://all
              description: Every item.
              mimeType: application/json
              call: items.list-items
  `;
}

async function connect() {
  const server = await upstream(items);
  const text = capability(
    pathToFileURL(path.join(dir, 'docs')).href,
    pathToFileURL(path.join(dir, 'notes.txt')).href,
  );
  const loaded = await load({ text });
  return { ...(await mcpClient(loaded, { upstreams: { items: server } })), server };
}

describe('resources: capabilities and listing', () => {
  it('advertises resources only when the adapter declares some, subscribable when static', async () => {
    const { client } = await connect();
    // Static files can be watched: resources/subscribe is offered.
    expect(client.getServerCapabilities()?.resources).toEqual({ subscribe: true });
    expect(client.getServerCapabilities()?.prompts).toBeUndefined();
  });

  it('lists static files, folder files recursively (not escaping links) and exact dynamic URIs', async () => {
    const { client } = await connect();
    const { resources } = await client.listResources();
    expect(resources.map((r) => [r.uri, r.mimeType])).toEqual([
      ['docs://guides/guides/setup.json', 'application/json'],
      ['docs://guides/logo.bin', 'application/octet-stream'],
      ['docs://guides/readme.md', 'text/markdown'],
      ['notes://main', 'text/plain'],
      ['items://all', 'application/json'],
    ]);
    expect(resources.find((r) => r.uri === 'notes://main')).toMatchObject({
      name: 'notes',
      title: 'Notes',
      description: 'One notes file.',
    });
  });

  it('lists URI templates in resources/templates/list', async () => {
    const { client } = await connect();
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      {
        uriTemplate: 'items://{id}',
        name: 'item',
        title: 'Item',
        description: 'One item by id.',
        mimeType: 'application/json',
      },
      {
        uriTemplate: 'items://{id}/name',
        name: 'item-name',
        title: 'Item name',
        description: 'The name of one item.',
        mimeType: 'application/json',
      },
    ]);
  });
});

describe('resources: static reads', () => {
  it('reads a file resource and a folder file as text', async () => {
    const { client } = await connect();
    expect((await client.readResource({ uri: 'notes://main' })).contents).toEqual([
      { uri: 'notes://main', mimeType: 'text/plain', text: 'plain notes' },
    ]);
    expect(
      (await client.readResource({ uri: 'docs://guides/guides/setup.json' })).contents,
    ).toEqual([
      { uri: 'docs://guides/guides/setup.json', mimeType: 'application/json', text: '{"steps":2}' },
    ]);
  });

  it('reads a binary file as a base64 blob', async () => {
    const { client } = await connect();
    const { contents } = await client.readResource({ uri: 'docs://guides/logo.bin' });
    expect(contents).toEqual([
      {
        uri: 'docs://guides/logo.bin',
        mimeType: 'application/octet-stream',
        blob: Buffer.from([0, 1, 2, 255]).toString('base64'),
      },
    ]);
  });

  it.each([
    'docs://guides/../secret.txt',
    'docs://guides/%2e%2e/secret.txt',
    'docs://guides/guides/..%2f..%2fsecret.txt',
    'docs://guides/%2Ftmp%2Fsecret.txt',
  ])('refuses the traversal %s', async (uri) => {
    const { client } = await connect();
    const err = await rpcError(client.readResource({ uri }));
    expect(err.code).toBe(ErrorCode.InvalidParams);
  });

  it('refuses a symlink that escapes the folder', async () => {
    const { client } = await connect();
    const err = await rpcError(client.readResource({ uri: 'docs://guides/escape.txt' }));
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).not.toContain('do not serve');
  });

  it('answers an unknown URI with -32602', async () => {
    const { client } = await connect();
    const err = await rpcError(client.readResource({ uri: 'docs://guides/missing.md' }));
    expect(err.code).toBe(ErrorCode.InvalidParams);
    const other = await rpcError(client.readResource({ uri: 'nothing://here' }));
    expect(other.code).toBe(ErrorCode.InvalidParams);
  });
});

describe('resources: dynamic reads', () => {
  it('matches a URI template, passes its variables and returns the upstream JSON', async () => {
    const { client, server } = await connect();
    const { contents } = await client.readResource({ uri: 'items://7' });
    expect(contents).toEqual([
      { uri: 'items://7', mimeType: 'application/json', text: '{"id":7,"name":"anchor"}' },
    ]);
    expect(server.last().path).toBe('/items/7');
  });

  it('maps outputs of a templated resource to JSON text', async () => {
    const { client } = await connect();
    const { contents } = await client.readResource({ uri: 'items://7/name' });
    expect(contents).toEqual([
      { uri: 'items://7/name', mimeType: 'application/json', text: '{"name":"anchor"}' },
    ]);
  });

  it('reads an exact dynamic URI', async () => {
    const { client, server } = await connect();
    const { contents } = await client.readResource({ uri: 'items://all' });
    expect(contents[0]).toMatchObject({ text: '[{"id":7},{"id":8}]' });
    expect(server.last().path).toBe('/items');
  });

  it('turns an upstream error into a JSON-RPC error', async () => {
    const { client } = await connect();
    const err = await rpcError(client.readResource({ uri: 'items://99' }));
    expect(err.code).toBe(ErrorCode.InternalError);
    expect(err.message).toContain('upstream answered 404');
  });
});

describe('resources: relative locations', () => {
  it('resolves file:///./x against the capability file folder', async () => {
    const file = path.join(dir, 'capability.yaml');
    await fs.writeFile(file, capability('file:///./docs', 'file:///./notes.txt'));
    const server = await upstream(items);
    const { client } = await mcpClient(await load({ file }), { upstreams: { items: server } });
    expect((await client.readResource({ uri: 'notes://main' })).contents[0]).toMatchObject({
      text: 'plain notes',
    });
    expect((await client.readResource({ uri: 'docs://guides/readme.md' })).contents[0]).toEqual({
      uri: 'docs://guides/readme.md',
      mimeType: 'text/markdown',
      text: '# Read me\n',
    });
  });
});
