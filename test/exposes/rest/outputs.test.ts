/**
 * Output mapping end to end (contract §5, §6): pass-through without `outputParameters` (status,
 * content type and bytes unchanged, non-JSON formats included), one mapped output, named
 * outputs in objects, nested objects and arrays, `const`, mock operations, upstream error statuses kept with
 * their bodies, `Retry-After` forwarded.
 */
import type { ServerResponse } from 'node:http';
import jsYaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, only, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Handler, Upstream } from '../../helpers/rest-app.js';

afterEach(closeRestApps);

const SHIP = {
  data: {
    imo: '9811000',
    name: 'Ever Given',
    tonnage: '220940',
    active: 'true',
    crew: [
      { id: 1, name: 'Ana', rank: 'captain', extra: 'x' },
      { id: 2, name: 'Bo', rank: 'mate', extra: 'y' },
    ],
    owner: { company: 'Evergreen', country: 'TW' },
  },
};

function answer(
  status: number,
  type: string,
  text: string,
  headers: Record<string, string> = {},
): Handler {
  return (_req, res: ServerResponse) => {
    res.statusCode = status;
    res.setHeader('content-type', type);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.end(text);
  };
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
  answer(status, 'application/json', JSON.stringify(value), headers);

/** One consumed `get-ship` (GET) and `save-ship` (PUT) exposed at /ship with `outputParameters`. */
function ship(up: Upstream, outputParameters?: unknown[], format = 'json') {
  const exposed = (method: string, name: string) => ({
    method,
    name,
    call: `registry.${name}`,
    ...(outputParameters ? { outputParameters } : {}),
  });
  return restApp(
    JSON.stringify({
      naftiko: '1.0.0-alpha2',
      info: { label: 'Ships', description: 'Ship details.' },
      capability: {
        consumes: [
          {
            type: 'http',
            namespace: 'registry',
            baseUri: 'http://registry.invalid',
            resources: [
              {
                name: 'ship',
                path: '/ship',
                operations: [
                  { name: 'get-ship', method: 'GET', outputRawFormat: format },
                  { name: 'save-ship', method: 'PUT' },
                ],
              },
            ],
          },
        ],
        exposes: [
          {
            type: 'rest',
            namespace: 'ships-api',
            port: 8080,
            resources: [
              {
                path: '/ship',
                name: 'ship',
                operations: [exposed('GET', 'get-ship'), exposed('PUT', 'save-ship')],
              },
            ],
          },
        ],
      },
    }),
    { upstreams: { registry: up } },
  );
}

/** The `outputParameters` of a YAML snippet. */
function outputs(text: string): unknown[] {
  return (jsYaml.load(text) as { outputParameters: unknown[] }).outputParameters;
}

describe('pass-through (no outputParameters)', () => {
  it('keeps the upstream status, content type and exact bytes', async () => {
    const text = '{ "a" : 1,\n  "b": [true, null] }';
    const up = await upstream(answer(201, 'application/vnd.ships+json; charset=utf-8', text));
    const { app } = await ship(up);
    const res = await app.inject({ method: 'PUT', url: '/ship' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/vnd.ships+json; charset=utf-8');
    expect(res.body).toBe(text);
  });

  it('passes a CSV upstream (outputRawFormat csv) through as its raw bytes', async () => {
    const csv = 'imo,name\r\n9811000,Ever Given\r\n9321483,Emma Maersk\r\n';
    const up = await upstream(answer(200, 'text/csv; charset=utf-8', csv));
    const { app } = await ship(up, undefined, 'csv');
    const res = await app.inject({ method: 'GET', url: '/ship' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.body).toBe(csv);
  });

  it('passes a plain-text upstream (default format) through unchanged', async () => {
    const up = await upstream(answer(200, 'text/plain', 'pong'));
    const { app } = await ship(up);
    const res = await app.inject({ method: 'GET', url: '/ship' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.body).toBe('pong');
  });

  it('answers an empty 204 as an empty 204', async () => {
    const up = await upstream((_req, res) => {
      res.statusCode = 204;
      res.end();
    });
    const { app } = await ship(up);
    const res = await app.inject({ method: 'PUT', url: '/ship' });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });
});

describe('mapped outputs', () => {
  it('one output: its mapped value is the result, coerced to its type', async () => {
    const up = await upstream(json(200, SHIP));
    const { app } = await ship(
      up,
      outputs(yaml`
        outputParameters:
          - type: number
            mapping: $.data.tonnage
      `),
    );
    const res = await app.inject({ method: 'GET', url: '/ship' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(body<number>(res)).toBe(220940);
  });

  it('keeps the upstream success status when mapping', async () => {
    const up = await upstream(json(201, SHIP));
    const { app } = await ship(
      up,
      outputs(yaml`
        outputParameters:
          - type: string
            mapping: $.data.name
      `),
    );
    const res = await app.inject({ method: 'PUT', url: '/ship' });
    expect(res.statusCode).toBe(201);
    expect(body<string>(res)).toBe('Ever Given');
  });

  it('an object with mapping and no properties passes the mapped value through', async () => {
    const up = await upstream(json(200, SHIP));
    const { app } = await ship(
      up,
      outputs(yaml`
        outputParameters:
          - type: object
            mapping: $.data.owner
      `),
    );
    const res = await app.inject({ method: 'GET', url: '/ship' });
    expect(body(res)).toEqual({ company: 'Evergreen', country: 'TW' });
  });

  it('nested objects, arrays of items, const and coercion', async () => {
    const up = await upstream(json(200, SHIP));
    const { app } = await ship(
      up,
      outputs(yaml`
        outputParameters:
          - type: object
            mapping: $.data
            properties:
              imo:
                type: string
                mapping: $.imo
              tonnage:
                type: number
                mapping: $.tonnage
              active:
                type: boolean
                mapping: $.active
              source:
                type: string
                mapping: $.imo
                const: registry
              owner:
                type: object
                mapping: $.owner
                properties:
                  name:
                    type: string
                    mapping: $.company
              crew:
                type: array
                mapping: $.crew
                items:
                  type: object
                  properties:
                    id:
                      type: string
                      mapping: $.id
                    name:
                      type: string
                      mapping: $.name
              missing:
                type: string
                mapping: $.nothing
      `),
    );
    const res = await app.inject({ method: 'GET', url: '/ship' });
    expect(res.statusCode).toBe(200);
    expect(body(res)).toEqual({
      imo: '9811000',
      tonnage: 220940,
      active: true,
      source: 'registry',
      owner: { name: 'Evergreen' },
      crew: [
        { id: '1', name: 'Ana' },
        { id: '2', name: 'Bo' },
      ],
      missing: null,
    });
  });

  it('maps the rows of a CSV upstream (outputRawFormat csv)', async () => {
    const csv = 'imo,name\n9811000,Ever Given\n9321483,Emma Maersk\n';
    const up = await upstream(answer(200, 'text/csv', csv));
    const { app } = await ship(
      up,
      outputs(yaml`
        outputParameters:
          - type: array
            mapping: $
            items:
              type: string
              mapping: $.name
      `),
      'csv',
    );
    const res = await app.inject({ method: 'GET', url: '/ship' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(body<string[]>(res)).toEqual(['Ever Given', 'Emma Maersk']);
  });
});

describe('mock operations', () => {
  it('answer from their output values (templates over the inputs) without calling anything', async () => {
    const up = await upstream();
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        info:
          label: Greeter
          description: A mock greeter.
        capability:
          consumes:
            - type: http
              namespace: unused
              baseUri: http://unused.invalid
              resources:
                - name: r
                  path: /r
                  operations:
                    - name: op
                      method: GET
          exposes:
            - type: rest
              namespace: greeter
              port: 8080
              resources:
                - path: /greetings/{name}
                  name: greetings
                  inputParameters:
                    - name: name
                      in: path
                      type: string
                      description: Who to greet.
                  operations:
                    - method: GET
                      name: greet
                      inputParameters:
                        - name: times
                          in: query
                          type: integer
                          description: How many times.
                      outputParameters:
                        - type: object
                          properties:
                            greeting:
                              type: string
                              value: 'Hello, {{name}}!'
                            times:
                              type: number
                              value: '{{times}}'
                            polite:
                              type: boolean
                              value: 'true'
                            kind:
                              type: string
                              value: '{{name}}'
                              const: mock
                    - method: POST
                      name: greet-plain
                      outputParameters:
                        - type: string
                          value: 'Hi {{name}}'
      `,
      { upstreams: { unused: up } },
    );
    const res = await app.inject({ method: 'GET', url: '/greetings/Ana%20Lu?times=3' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(body(res)).toEqual({ greeting: 'Hello, Ana Lu!', times: 3, polite: true, kind: 'mock' });
    const plain = await app.inject({ method: 'POST', url: '/greetings/Bo' });
    expect(plain.statusCode).toBe(200);
    expect(body<string>(plain)).toBe('Hi Bo');
    const invalid = await app.inject({ method: 'GET', url: '/greetings/Ana?times=many' });
    expect(invalid.statusCode).toBe(400);
    expect(body(invalid).code).toBe('INPUT_INVALID');
    expect(up.requests).toHaveLength(0);
  });
});

describe('upstream errors', () => {
  const mapped = outputs(yaml`
    outputParameters:
      - type: string
        mapping: $.data.name
  `);

  it('keeps a 404 with its JSON body and content type, even when outputs are mapped', async () => {
    const up = await upstream(json(404, { error: 'no such ship', imo: '1' }));
    const { app } = await ship(up, mapped);
    const res = await app.inject({ method: 'GET', url: '/ship' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(body(res)).toEqual({ error: 'no such ship', imo: '1' });
  });

  it('keeps a 500 with its text body and content type', async () => {
    const up = await upstream(answer(500, 'text/plain; charset=utf-8', 'boom: database down'));
    const { app } = await ship(up, mapped);
    const res = await app.inject({ method: 'GET', url: '/ship' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('boom: database down');
  });

  it('forwards Retry-After on 429 and 503', async () => {
    for (const [status, retry] of [
      [429, '30'],
      [503, 'Wed, 21 Oct 2026 07:28:00 GMT'],
    ] as const) {
      const up = await upstream(json(status, { error: 'later' }, { 'retry-after': retry }));
      for (const outputsBlock of [undefined, mapped]) {
        const { app } = await ship(up, outputsBlock);
        const res = await app.inject({ method: 'GET', url: '/ship' });
        expect(res.statusCode).toBe(status);
        expect(res.headers['retry-after']).toBe(retry);
        expect(body(res)).toEqual({ error: 'later' });
      }
    }
  });

  it('does not leak other upstream headers', async () => {
    const up = await upstream(
      json(200, SHIP, { 'set-cookie': 'session=abc', 'x-internal': 'yes' }),
    );
    const { app } = await ship(up);
    const res = await app.inject({ method: 'GET', url: '/ship' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-internal']).toBeUndefined();
    expect(only(up).method).toBe('GET');
  });
});
