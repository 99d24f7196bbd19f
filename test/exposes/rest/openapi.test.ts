/**
 * `GET /openapi.json` (contract §7): an OpenAPI 3.1 description of the adapter, with parameters
 * for declared path/query/header inputs and for inputs derived through `with`, and a
 * `requestBody` where the operation takes `body`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Upstream } from '../../helpers/rest-app.js';

afterEach(closeRestApps);

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema: { type?: string; pattern?: string };
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

function crm(up: Upstream) {
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: CRM
        description: Customers and notes.
      capability:
        consumes:
          - type: http
            namespace: crm
            baseUri: http://crm.invalid
            resources:
              - name: customer
                path: /customers/{{id}}
                operations:
                  - name: get-customer
                    method: GET
                    inputParameters:
                      - name: id
                        in: path
                      - name: fields
                        in: query
              - name: notes
                path: /customers/{{id}}/notes
                operations:
                  - name: add-note
                    method: POST
                    inputParameters:
                      - name: id
                        in: path
                        required: true
                      - name: notify
                        in: query
                        type: boolean
                        description: Notify the owner.
                      - name: body
                        in: body
                        type: object
                        required: true
                  - name: list-notes
                    method: GET
                    inputParameters:
                      - name: id
                        in: path
                        required: true
                      - name: since
                        in: query
                        type: integer
                        description: Epoch seconds.
                        required: true
        exposes:
          - type: rest
            namespace: crm-api
            port: 8080
            resources:
              - path: /customers/{{customer-id}}
                name: customer
                description: One customer.
                operations:
                  - method: GET
                    name: get-customer
                    label: Get a customer
                    description: Reads one customer.
                    call: crm.get-customer
                    inputParameters:
                      - name: customer-id
                        in: path
                        type: string
                        pattern: '^c-[0-9]+$'
                        description: Customer id.
                      - name: fields
                        in: query
                        type: string
                        description: Fields to return.
                      - name: X-Request-Id
                        in: header
                        type: string
                        description: Correlation id.
                    with:
                      id: rest.customer-id
                      fields: rest.fields
              - path: /customers/{customer.id}/notes
                name: notes
                operations:
                  - method: POST
                    name: add-note
                    call: crm.add-note
                    with:
                      id: rest.customer.id
                      notify: rest.notify
                      body: rest.body
                  - method: GET
                    name: list-notes
                    call: crm.list-notes
                    with:
                      id: rest.customer.id
                      since: crm-api.since
    `,
    { upstreams: { crm: up } },
  );
}

async function openapi(): Promise<OpenApi> {
  const up = await upstream();
  const { app } = await crm(up);
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(up.requests).toHaveLength(0);
  return body<OpenApi>(res);
}

const byName = (op: Operation | undefined) =>
  Object.fromEntries((op?.parameters ?? []).map((p) => [p.name, p]));

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with info and one path per resource ({{x}} written {x})', async () => {
    const doc = await openapi();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('CRM');
    expect(typeof doc.info.version).toBe('string');
    expect(doc.info.description).toBe('Customers and notes.');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/customers/{customer-id}',
      '/customers/{customer.id}/notes',
    ]);
    expect(Object.keys(doc.paths['/customers/{customer.id}/notes'] ?? {}).sort()).toEqual([
      'get',
      'post',
    ]);
    for (const item of Object.values(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        expect(Array.isArray(op.parameters)).toBe(true);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const r of Object.values(op.responses)) expect(typeof r.description).toBe('string');
      }
    }
  });

  it('describes declared inputs: path (required, with its pattern), query and header', async () => {
    const doc = await openapi();
    const op = doc.paths['/customers/{customer-id}']?.get;
    expect(op).toMatchObject({
      operationId: 'get-customer',
      summary: 'Get a customer',
      description: 'Reads one customer.',
    });
    const params = byName(op);
    expect(params['customer-id']).toEqual({
      name: 'customer-id',
      in: 'path',
      required: true,
      description: 'Customer id.',
      schema: { type: 'string', pattern: '^c-[0-9]+$' },
    });
    expect(params.fields).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'string' },
    });
    expect(params['X-Request-Id']).toMatchObject({ in: 'header', required: false });
    expect(op?.requestBody).toBeUndefined();
  });

  it('derives inputs reached through with: path placeholders, typed query parameters, and the body', async () => {
    const doc = await openapi();
    const post = doc.paths['/customers/{customer.id}/notes']?.post;
    const postParams = byName(post);
    expect(postParams['customer.id']).toMatchObject({ in: 'path', required: true });
    expect(postParams.notify).toMatchObject({
      in: 'query',
      required: false,
      description: 'Notify the owner.',
      schema: { type: 'boolean' },
    });
    expect(postParams.body).toBeUndefined();
    expect(post?.requestBody).toMatchObject({ required: true });
    expect(Object.keys(post?.requestBody?.content ?? {})).toContain('application/json');

    const get = doc.paths['/customers/{customer.id}/notes']?.get;
    expect(byName(get).since).toMatchObject({
      in: 'query',
      required: true,
      description: 'Epoch seconds.',
      schema: { type: 'integer' },
    });
    expect(get?.requestBody).toBeUndefined();
  });

  it('is served next to the resources without clashing with them', async () => {
    const up = await upstream();
    const { app } = await crm(up);
    const res = await app.inject({ method: 'GET', url: '/customers/c-1' });
    expect(res.statusCode).toBe(200);
    expect(up.last().path).toBe('/customers/c-1');
  });
});
