/**
 * Reading a dynamic resource through its URI template (`resources/read` on a URI that matches
 * `{var}`), against a real upstream on 127.0.0.1 port 0: the conformance suite's
 * `test://template/{id}/data` shape, variables reaching the call by name or through `with`,
 * percent-decoding, `{+var}` spanning segments, exact URIs before templates, URIs that match no
 * template, and the bindings CompiledResources exposes for completions and subscriptions.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/engine/runtime.js';
import type { Runtime } from '../../../src/engine/runtime.js';
import { compileResources } from '../../../src/exposes/mcp/resources.js';
import type { CompiledResources } from '../../../src/exposes/mcp/resources.js';
import { RPC_INVALID_PARAMS, RpcError } from '../../../src/exposes/mcp/rpc-error.js';
import { createValidator } from '../../../src/spec/validate.js';
import { startUpstream } from '../../consumes/http/helpers/upstream.js';
import type { Handler, Upstream } from '../../consumes/http/helpers/upstream.js';
import { yaml } from '../../helpers/validate.js';

let dir: string;
const open: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'naftiko-mcp-templates-')));
  await fs.writeFile(path.join(dir, 'fixed.txt'), 'a static file');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
  await fs.rm(dir, { recursive: true, force: true });
});

/** Answers like the conformance suite's template resource, from the request path. */
const handler: Handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  const data = /^\/template\/([^/]+)\/data$/.exec(req.path);
  if (data?.[1] !== undefined) {
    const id = decodeURIComponent(data[1]);
    return void res.end(JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }));
  }
  const order = /^\/orders\/([^/]+)$/.exec(req.path);
  if (order?.[1] !== undefined) return void res.end(`{"order":"${order[1]}","status":"shipped"}`);
  if (req.path.startsWith('/files/')) return void res.end(JSON.stringify({ path: req.path }));
  if (req.path === '/template/all') return void res.end('{"all":true}');
  res.statusCode = 404;
  res.end('{"error":"not found"}');
};

async function setup(): Promise<{ resources: CompiledResources; upstream: Upstream }> {
  const upstream = await startUpstream(handler);
  open.push(upstream);
  const text = yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Templates
      description: Templated resources.
    capability:
      consumes:
        - type: http
          namespace: fixture
          baseUri: http://fixture.invalid
          resources:
            - name: template-data
              path: /template/{{id}}/data
              operations:
                - name: get-data
                  method: GET
            - name: all
              path: /template/all
              operations:
                - name: get-all
                  method: GET
            - name: order
              path: /orders/{{id}}
              operations:
                - name: get-order
                  method: GET
            - name: files
              path: /files/{{path}}
              operations:
                - name: get-file
                  method: GET
      exposes:
        - type: mcp
          namespace: templates-mcp
          port: 9090
          description: Templates.
          tools:
            - name: get-order
              description: One order.
              call: fixture.get-order
          resources:
            - name: template-data
              label: Template data
              uri: test://template/{id}/data
              description: Data for one id.
              call: fixture.get-data
            - name: template-summary
              label: Template summary
              uri: test://template/{id}/summary
              description: Mapped outputs for one id.
              call: fixture.get-data
              outputParameters:
                - type: object
                  properties:
                    data:
                      type: string
                      mapping: $.data
            - name: order
              label: Order
              uri: orders://{orderId}
              description: One order, its variable renamed through with.
              mimeType: application/json
              call: fixture.get-order
              with:
                id: mcp.orderId
            - name: file
              label: File
              uri: files://{+path}
              description: A path over several segments.
              call: fixture.get-file
            - name: all
              label: All
              uri: test://template/all/data
              description: An exact URI that the first template also matches.
              call: fixture.get-all
            - name: fixed
              label: Fixed
              uri: test://template/fixed/data
              description: A static file the first template also matches.
              location: ${pathToFileURL(path.join(dir, 'fixed.txt')).href}
  `;
  const result = await createValidator().validateText(path.join(dir, 'capability.yaml'), text);
  if (result.capability === undefined) {
    throw new Error(result.diagnostics.map((d) => `${d.line} ${d.message}`).join('\n'));
  }
  const runtime: Runtime = createRuntime(result.capability, {
    env: {},
    baseUris: new Map([['fixture', upstream.url]]),
  });
  open.push(runtime);
  const adapter = result.capability.doc.capability?.exposes?.find((a) => a.type === 'mcp');
  if (adapter?.type !== 'mcp') throw new Error('no MCP adapter');
  return { resources: compileResources(adapter, runtime), upstream };
}

async function rejection(promise: Promise<unknown>): Promise<RpcError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RpcError) return err;
    throw err;
  }
  throw new Error('expected an RpcError');
}

describe('resource templates: reads', () => {
  it('runs the call with the variable (the conformance suite’s test://template/123/data)', async () => {
    const { resources, upstream } = await setup();
    const { contents } = await resources.read('test://template/123/data');
    expect(contents).toEqual([
      {
        uri: 'test://template/123/data',
        mimeType: 'application/json',
        text: '{"id":"123","templateTest":true,"data":"Data for ID: 123"}',
      },
    ]);
    expect(upstream.last().path).toBe('/template/123/data');
  });

  it('maps the outputs of a templated read', async () => {
    const { resources } = await setup();
    const { contents } = await resources.read('test://template/9/summary');
    expect(contents).toEqual([
      {
        uri: 'test://template/9/summary',
        mimeType: 'application/json',
        text: '{"data":"Data for ID: 9"}',
      },
    ]);
  });

  it('passes a variable renamed through `with` to the consumed parameter', async () => {
    const { resources, upstream } = await setup();
    const { contents } = await resources.read('orders://42');
    expect(contents[0]).toMatchObject({ text: '{"order":"42","status":"shipped"}' });
    expect(upstream.last().path).toBe('/orders/42');
  });

  it('percent-decodes a variable before the call (which encodes it again)', async () => {
    const { resources, upstream } = await setup();
    const { contents } = await resources.read('test://template/a%20b/data');
    expect(contents[0]).toMatchObject({ text: expect.stringContaining('"id":"a b"') });
    expect(upstream.last().path).toBe('/template/a%20b/data');
  });

  it('lets {+var} span several segments', async () => {
    const { resources, upstream } = await setup();
    await resources.read('files://docs/guides/setup.md');
    expect(decodeURIComponent(upstream.last().path)).toBe('/files/docs/guides/setup.md');
  });

  it('serves a static file and an exact dynamic URI before a template that matches them', async () => {
    const { resources, upstream } = await setup();
    expect((await resources.read('test://template/fixed/data')).contents[0]).toMatchObject({
      text: 'a static file',
    });
    expect(upstream.requests).toHaveLength(0);
    expect((await resources.read('test://template/all/data')).contents[0]).toMatchObject({
      text: '{"all":true}',
    });
    expect(upstream.last().path).toBe('/template/all');
  });

  it.each(['test://template/1/2/data', 'test://template//data', 'test://template/1/other'])(
    'answers %s, which no template matches, with -32602',
    async (uri) => {
      const { resources, upstream } = await setup();
      const err = await rejection(resources.read(uri));
      expect(err.code).toBe(RPC_INVALID_PARAMS);
      expect(upstream.requests).toHaveLength(0);
    },
  );
});

describe('resource templates: without an upstream', () => {
  it('serves test://template/{id}/data from a script step (how the conformance spec can)', async () => {
    await fs.mkdir(path.join(dir, 'scripts'));
    await fs.writeFile(
      path.join(dir, 'scripts', 'template-data.js'),
      "result = { id: context.id, templateTest: true, data: 'Data for ID: ' + context.id };",
    );
    const text = yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Scripted template
        description: A templated resource computed by a script.
      capability:
        exposes:
          - type: mcp
            namespace: scripted-mcp
            port: 9090
            description: Scripted.
            tools:
              - name: noop
                description: Nothing.
                outputParameters:
                  - name: text
                    type: string
                    value: ok
            resources:
              - name: template-data
                label: Template data
                uri: test://template/{id}/data
                description: Data for one id.
                steps:
                  - type: script
                    name: data
                    language: javascript
                    location: file:///./scripts
                    file: template-data.js
                    with:
                      id: '{{id}}'
                mappings:
                  - targetName: id
                    value: $.data.id
                  - targetName: templateTest
                    value: $.data.templateTest
                  - targetName: data
                    value: $.data.data
                outputParameters:
                  - name: id
                    type: string
                  - name: templateTest
                    type: boolean
                  - name: data
                    type: string
    `;
    const result = await createValidator().validateText(path.join(dir, 'capability.yaml'), text);
    if (result.capability === undefined) {
      throw new Error(result.diagnostics.map((d) => `${d.line} ${d.message}`).join('\n'));
    }
    const runtime = createRuntime(result.capability, { env: {} });
    open.push(runtime);
    const adapter = result.capability.doc.capability?.exposes?.find((a) => a.type === 'mcp');
    if (adapter?.type !== 'mcp') throw new Error('no MCP adapter');
    const { contents } = await compileResources(adapter, runtime).read('test://template/123/data');
    expect(contents).toEqual([
      {
        uri: 'test://template/123/data',
        mimeType: 'application/json',
        text: '{"id":"123","templateTest":true,"data":"Data for ID: 123"}',
      },
    ]);
  });
});

describe('resource templates: what CompiledResources exposes', () => {
  it('lists the templates and their bindings in declaration order', async () => {
    const { resources } = await setup();
    expect(resources.templates.map((t) => [t.uriTemplate, t.name, t.mimeType])).toEqual([
      ['test://template/{id}/data', 'template-data', 'application/json'],
      ['test://template/{id}/summary', 'template-summary', 'application/json'],
      ['orders://{orderId}', 'order', 'application/json'],
      ['files://{+path}', 'file', 'application/json'],
    ]);
    expect(resources.bindings.map((b) => [b.uriTemplate, b.variables])).toEqual([
      ['test://template/{id}/data', ['id']],
      ['test://template/{id}/summary', ['id']],
      ['orders://{orderId}', ['orderId']],
      ['files://{+path}', ['path']],
    ]);
  });

  it('binds each variable to the call input of its name, with what it feeds', async () => {
    const { resources } = await setup();
    const order = resources.bindings.find((b) => b.uriTemplate === 'orders://{orderId}');
    expect(order?.inputs.find((i) => i.name === 'orderId')).toMatchObject({
      required: true,
      feeds: 'id',
    });
    expect(order?.match('orders://42')).toEqual({ orderId: '42' });
    expect(order?.match('orders://42/x')).toBeUndefined();
    const files = resources.bindings.find((b) => b.uriTemplate === 'files://{+path}');
    expect(files?.match('files://a/b%20c')).toEqual({ path: 'a/b c' });
  });

  it('gives the static entries and the file a static URI serves', async () => {
    const { resources } = await setup();
    expect(resources.statics).toEqual([
      { uri: 'test://template/fixed/data', path: path.join(dir, 'fixed.txt') },
    ]);
    expect(resources.staticFileSync('test://template/fixed/data')).toBe(
      path.join(dir, 'fixed.txt'),
    );
    expect(resources.staticFileSync('test://template/123/data')).toBeUndefined();
  });
});
