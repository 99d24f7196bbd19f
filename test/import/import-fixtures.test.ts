/**
 * The conversion itself, on two small descriptions written for these tests: a Swagger 2.0 one
 * (API key, `#/parameters` and `#/definitions` refs, a path-level parameter, an `allOf` body
 * model, a HEAD and a form upload to skip) and an OpenAPI 3.0 one (bearer, server variables,
 * `$ref`ed parameters, request bodies and responses, path-level parameters overridden by an
 * operation, `allOf` request bodies, a circular schema, a callback and a multipart body to skip).
 * Loaded through the real loader (@readme/openapi-parser), checked precisely, and validated with
 * the project's strict validator.
 */
import path from 'node:path';
import jsYaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadOpenApi } from '../../src/import/load-openapi.js';
import { kebab, openApiToCapability } from '../../src/import/openapi-to-capability.js';
import type { ImportResult } from '../../src/import/openapi-to-capability.js';
import { writeYaml } from '../../src/import/yaml-writer.js';
import { createValidator } from '../../src/spec/validate.js';
import { REPO_ROOT } from '../helpers/cli.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/openapi');

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function load(name: string, settings = {}): Promise<ImportResult> {
  return openApiToCapability(await loadOpenApi(path.join(FIXTURES, name)), settings);
}

function consumedOp(doc: Node, name: string): Node {
  for (const resource of doc.capability.consumes[0].resources as Node[])
    for (const op of resource.operations as Node[]) if (op.name === name) return op;
  throw new Error(`no consumed operation ${name}`);
}

function restOp(doc: Node, name: string): Node & { path: string } {
  const rest = (doc.capability.exposes as Node[]).find((e) => e.type === 'rest') as Node;
  for (const resource of rest.resources as Node[])
    for (const op of resource.operations as Node[])
      if (op.name === name) return { ...op, path: resource.path as string };
  throw new Error(`no REST operation ${name}`);
}

function tool(doc: Node, name: string): Node {
  const mcp = (doc.capability.exposes as Node[]).find((e) => e.type === 'mcp') as Node;
  const found = (mcp.tools as Node[]).find((t) => t.name === name);
  if (found === undefined) throw new Error(`no tool ${name}`);
  return found;
}

async function strictErrors(result: ImportResult): Promise<string[]> {
  const text = writeYaml(result.document, { header: result.header, comments: result.comments });
  const validator = createValidator({ strict: true });
  const report = await validator.validateText(path.join(FIXTURES, 'imported.yaml'), text);
  return report.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.rule} ${d.message}`);
}

describe('kebab', () => {
  it('turns operationIds and method + path into kebab-case names', () => {
    expect(kebab('listPets')).toBe('list-pets');
    expect(kebab('list_orders')).toBe('list-orders');
    expect(kebab('getHTTPStatus')).toBe('get-http-status');
    expect(kebab('GET /orders/{orderId}')).toBe('get-orders-order-id');
  });
});

describe('import openapi: Swagger 2.0', () => {
  it('converts operations, parameters, the body and the API key', async () => {
    const result = await load('petstore-swagger2.yaml');
    const doc = result.document as Node;
    expect(doc.naftiko).toBe('1.0.0-alpha2');
    expect(doc.info).toMatchObject({ label: 'Tiny Pet Store', tags: ['pets', 'admin'] });
    const consumes = doc.capability.consumes[0] as Node;
    expect(consumes.namespace).toBe('tiny-pet-store');
    expect(consumes.baseUri).toBe('https://pets.example.com/v1');
    expect(consumes.authentication).toEqual({
      type: 'apikey',
      key: 'X-Pet-Key',
      placement: 'header',
      value: '{{TINY_PET_STORE_API_KEY}}',
    });
    expect(doc.binds).toEqual([
      {
        namespace: 'tiny-pet-store-env',
        description: 'Credentials for Tiny Pet Store, from the environment.',
        keys: { TINY_PET_STORE_API_KEY: 'TINY_PET_STORE_API_KEY' },
      },
    ]);
    expect((consumes.resources as Node[]).map((r) => [r.name, r.path])).toEqual([
      ['pets', '/pets'],
      ['pets-pet-id', '/pets/{{petId}}'],
      ['pets-pet-id-photo', '/pets/{{petId}}/photo'],
    ]);
    expect(consumedOp(doc, 'list-pets')).toEqual({
      name: 'list-pets',
      method: 'GET',
      description: 'List pets',
      inputParameters: [
        { name: 'limit', in: 'query' },
        { name: 'X-Trace', in: 'header' },
      ],
      outputRawFormat: 'json',
    });
    // The path-level #/parameters/PetId reaches both operations of the path.
    expect(consumedOp(doc, 'show-pet-by-id').inputParameters).toEqual([
      { name: 'petId', in: 'path' },
    ]);
    expect(consumedOp(doc, 'delete-pet')).toMatchObject({
      method: 'DELETE',
      inputParameters: [{ name: 'petId', in: 'path' }],
    });
    expect(consumedOp(doc, 'create-pet').inputParameters).toEqual([{ name: 'body', in: 'body' }]);

    // Types, descriptions and required flags live on the exposed side.
    expect(tool(doc, 'list-pets')).toEqual({
      name: 'list-pets',
      description: 'List pets',
      hints: { readOnly: true, destructive: false, idempotent: true },
      inputParameters: [
        { name: 'limit', type: 'integer', description: 'At most this many pets.', required: false },
        {
          name: 'X-Trace',
          type: 'string',
          description: 'The X-Trace header parameter.',
          required: false,
        },
      ],
      call: 'tiny-pet-store.list-pets',
      with: { limit: 'tiny-pet-store-mcp.limit', 'X-Trace': 'tiny-pet-store-mcp.X-Trace' },
    });
    // The body: Pet = allOf(NewPet, {id}), fields merged with their required flags.
    expect(tool(doc, 'create-pet').inputParameters).toEqual([
      {
        name: 'body',
        type: 'object',
        description:
          'The pet to add (JSON). Fields: name (string, required), tag (string), id (integer, required).',
        required: true,
      },
    ]);
    expect(tool(doc, 'create-pet').hints).toEqual({
      readOnly: false,
      destructive: false,
      idempotent: false,
    });
    expect(tool(doc, 'delete-pet').hints).toEqual({
      readOnly: false,
      destructive: true,
      idempotent: true,
    });
    expect(restOp(doc, 'show-pet-by-id')).toEqual({
      path: '/pets/{{petId}}',
      method: 'GET',
      name: 'show-pet-by-id',
      description: 'One pet',
      inputParameters: [
        { name: 'petId', in: 'path', type: 'integer', description: "The pet's numeric id." },
      ],
      call: 'tiny-pet-store.show-pet-by-id',
      with: { petId: 'tiny-pet-store-rest.petId' },
    });
    expect(restOp(doc, 'create-pet').with).toEqual({ body: 'tiny-pet-store-rest.body' });
    // No outputs: the upstream body passes through.
    expect(restOp(doc, 'create-pet').outputParameters).toBeUndefined();
    expect(tool(doc, 'create-pet').outputParameters).toBeUndefined();

    // HEAD and the form upload are skipped, and said so.
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /HEAD \/pets\/\{petId\} \(petExists\): HEAD is not an alpha2 HTTP method/,
        ),
        expect.stringMatching(/POST \/pets\/\{petId\}\/photo: form body \(file\) skipped/),
      ]),
    );
    expect(consumedOp(doc, 'upload-photo').inputParameters).toEqual([
      { name: 'petId', in: 'path' },
    ]);
    expect(await strictErrors(result)).toEqual([]);
    // The check can fail: a dialect form (`required` on a consumed parameter) is a strict error.
    consumedOp(doc, 'list-pets').inputParameters[0].required = true;
    expect(await strictErrors(result)).toEqual([
      expect.stringMatching(/dialect-consumed-parameter-fields/),
    ]);
  });
});

describe('import openapi: OpenAPI 3.0', () => {
  it('resolves $refs, merges path-level parameters and allOf bodies, and maps bearer auth', async () => {
    const result = await load('orders-openapi30.yaml');
    const doc = result.document as Node;
    const consumes = doc.capability.consumes[0] as Node;
    expect(consumes.baseUri).toBe('https://eu.orders.example.com/api');
    expect(consumes.authentication).toEqual({ type: 'bearer', token: '{{ORDER_DESK_TOKEN}}' });
    expect(Object.keys(doc.binds[0].keys as Node)).toEqual(['ORDER_DESK_TOKEN']);

    // Path-level X-Tenant ($ref) first, then the operation's $ref'd page.
    expect(consumedOp(doc, 'list-orders').inputParameters).toEqual([
      { name: 'X-Tenant', in: 'header' },
      { name: 'page', in: 'query' },
    ]);
    expect(tool(doc, 'list-orders').inputParameters).toEqual([
      {
        name: 'X-Tenant',
        type: 'string',
        description: 'The tenant the call acts for.',
        required: true,
      },
      { name: 'page', type: 'integer', description: 'The page query parameter.', required: false },
    ]);
    // An operation-level parameter overrides the path-level one of the same name and place.
    expect(tool(doc, 'replace-order').inputParameters).toEqual([
      { name: 'orderId', type: 'string', description: 'The order id.', required: true },
      {
        name: 'X-Tenant',
        type: 'string',
        description: 'Overrides the path-level tenant.',
        required: false,
      },
      {
        name: 'body',
        type: 'object',
        description:
          'Request body (JSON). Fields: customerId (string, required), note (string), lines (array, required), rush (boolean), reason (string).',
        required: true,
      },
    ]);
    // A $ref'd requestBody whose schema is an allOf of a $ref and an inline object.
    expect(tool(doc, 'place-order').inputParameters).toContainEqual({
      name: 'body',
      type: 'object',
      description:
        'The order to place (JSON). Fields: customerId (string, required), note (string), lines (array, required), rush (boolean).',
      required: true,
    });
    expect(consumedOp(doc, 'place-order').inputParameters).toEqual([
      { name: 'X-Tenant', in: 'header' },
      { name: 'body', in: 'body' },
    ]);
    // No operationId: method + path.
    expect(consumedOp(doc, 'get-orders-order-id')).toMatchObject({
      method: 'GET',
      inputParameters: [
        { name: 'orderId', in: 'path' },
        { name: 'X-Tenant', in: 'header' },
      ],
    });
    expect(tool(doc, 'replace-order').hints).toEqual({
      readOnly: false,
      destructive: false,
      idempotent: true,
    });
    expect(restOp(doc, 'replace-order').with).toEqual({
      orderId: 'order-desk-rest.orderId',
      'X-Tenant': 'order-desk-rest.X-Tenant',
      body: 'order-desk-rest.body',
    });
    expect(restOp(doc, 'replace-order').path).toBe('/orders/{{orderId}}');
    // The multipart upload keeps its operation but not its body; its CSV answer is noted.
    expect(consumedOp(doc, 'upload-report')).toEqual({
      name: 'upload-report',
      method: 'POST',
      description: 'Upload a report',
      outputRawFormat: 'csv',
    });
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/POST \/reports: multipart\/form-data request body skipped/),
        expect.stringMatching(/POST \/orders: callbacks \(shipped\) skipped/),
      ]),
    );
    // Skipped parts are comments next to the operation they concern.
    const text = writeYaml(result.document, { header: result.header, comments: result.comments });
    expect(text).toMatch(
      /# multipart\/form-data request body skipped: only JSON request bodies are imported\n\s+- name: upload-report/,
    );
    expect(await strictErrors(result)).toEqual([]);
  });

  it('--namespace names the consumes namespace and the adapters follow', async () => {
    const doc = (
      await load('orders-openapi30.yaml', { namespace: 'desk', restPort: 7001, mcpPort: 7002 })
    ).document as Node;
    expect(doc.capability.consumes[0].namespace).toBe('desk');
    expect((doc.capability.exposes as Node[]).map((e) => [e.type, e.namespace, e.port])).toEqual([
      ['rest', 'desk-rest', 7001],
      ['mcp', 'desk-mcp', 7002],
    ]);
    expect(tool(doc, 'cancel-order')).toMatchObject({
      call: 'desk.cancel-order',
      with: { orderId: 'desk-mcp.orderId' },
    });
  });

  it('--include / --exclude select by tag or operationId', async () => {
    const names = (r: ImportResult): string[] =>
      ((r.document as Node).capability.consumes[0].resources as Node[]).flatMap((res) =>
        (res.operations as Node[]).map((o) => o.name as string),
      );
    expect(names(await load('orders-openapi30.yaml', { include: ['internal'] }))).toEqual([
      'cancel-order',
      'upload-report',
    ]);
    expect(
      names(await load('orders-openapi30.yaml', { include: ['placeOrder', 'cancelOrder'] })),
    ).toEqual(['place-order', 'cancel-order']);
    expect(names(await load('orders-openapi30.yaml', { exclude: ['orders'] }))).toEqual([
      'cancel-order',
      'upload-report',
    ]);
    expect(
      names(await load('orders-openapi30.yaml', { include: ['orders'], exclude: ['list_orders'] })),
    ).toEqual(['place-order', 'get-orders-order-id', 'replace-order']);
    await expect(load('orders-openapi30.yaml', { include: ['nothing-here'] })).rejects.toThrow(
      /no operation to import/,
    );
  });

  it('--consumes-only gives a shared consumes file that validates --strict', async () => {
    const result = await load('orders-openapi30.yaml', { consumesOnly: true });
    const doc = result.document as Node;
    expect(Object.keys(doc)).toEqual(['naftiko', 'info', 'consumes']);
    expect(doc.consumes[0].namespace).toBe('order-desk');
    expect(result.header.join('\n')).toMatch(/binds ORDER_DESK_TOKEN/);
    expect(await strictErrors(result)).toEqual([]);
  });
});

describe('writeYaml', () => {
  it('writes what js-yaml reads back as the same data, comments included', async () => {
    for (const name of ['petstore-swagger2.yaml', 'orders-openapi30.yaml']) {
      const result = await load(name);
      const text = writeYaml(result.document, { header: result.header, comments: result.comments });
      expect(jsYaml.load(text)).toEqual(result.document);
    }
    const tricky = {
      strings: [
        'a: b',
        'x #y',
        '- item',
        '*star',
        '&anchor',
        '!tag',
        '%percent',
        '@at',
        '`tick`',
        'yes',
        'No',
        'null',
        '~',
        '0x1F',
        '1e3',
        '.5',
        '',
        ' padded ',
        'line\nbreak',
        'quote "double" and \'single\'',
        'ünïcödé — dash',
        '{{TEMPLATE}}',
        '[not, a, list]',
        '$.',
        'trailing:',
      ],
      '200': { 'key with space': true, 'x:y': 1, '': null },
      nested: [[1, 2], [], {}, [{ a: [] }]],
    };
    const comments = new WeakMap<object, readonly string[]>([
      [tricky.nested, ['a comment', '', 'two lines']],
    ]);
    const text = writeYaml(tricky, { header: ['head'], comments });
    expect(text.startsWith('# head\n')).toBe(true);
    // A blank comment line separates paragraphs as an empty line (the `yaml` package's form).
    expect(text).toContain('# a comment\n\n# two lines\nnested:');
    expect(jsYaml.load(text)).toEqual(tricky);
  });
});

describe('import openapi: OpenAPI 3.1 (JSON)', () => {
  it('skips what it cannot express, with a reason, and keeps the rest', async () => {
    const result = await load('events-openapi31.json');
    const doc = result.document as Node;
    const consumes = doc.capability.consumes[0] as Node;
    expect(consumes.baseUri).toBe('http://events.example.com/v3');
    // The cookie scheme is skipped; the next requirement (an API key in the query) is used.
    expect(consumes.authentication).toEqual({
      type: 'apikey',
      key: 'api_key',
      placement: 'query',
      value: '{{EVENT_HUB_API_KEY}}',
    });
    // `{user.id}` becomes `{{user_id}}`; `filter[owner]` cannot be named in alpha2.
    expect(consumes.resources[0].path).toBe('/users/{{user_id}}/events');
    expect(consumedOp(doc, 'get-users-user-id-events')).toEqual({
      name: 'get-users-user-id-events',
      method: 'GET',
      inputParameters: [
        { name: 'user_id', in: 'path' },
        { name: 'since', in: 'query' },
      ],
      outputRawFormat: 'xml',
    });
    // 3.1 type arrays: ["integer", "null"] is an integer.
    expect(tool(doc, 'get-users-user-id-events').inputParameters[1]).toEqual({
      name: 'since',
      type: 'integer',
      description: 'The since query parameter.',
      required: false,
    });
    expect(result.warnings).toEqual([
      expect.stringMatching(/query parameter "filter\[owner\]" skipped/),
      expect.stringMatching(/^webhooks \(eventCreated\) skipped/),
      expect.stringMatching(/^skipped TRACE \/users\/\{user\.id\}\/events/),
      expect.stringMatching(/^security scheme "cookieAuth" skipped: an API key in a cookie/),
    ]);
    expect(result.header).toEqual(
      expect.arrayContaining([expect.stringMatching(/^webhooks \(eventCreated\) skipped/)]),
    );
    expect(await strictErrors(result)).toEqual([]);
  });
});
