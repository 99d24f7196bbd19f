/**
 * Input validation before any upstream call (contract §4, §7): declared `inputParameters`
 * (type from query strings, pattern, path) and required consumed parameters reached through
 * `with`. Every violation is listed in one 400 problem; the upstream receives nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, only, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Upstream } from '../../helpers/rest-app.js';

afterEach(closeRestApps);

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: { name: string; in?: string; message: string }[];
}

/** Declared inputs of every kind, on the resource and on the operation. */
function declared(up: Upstream) {
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Search
        description: Declared inputs.
      capability:
        consumes:
          - type: http
            namespace: search
            baseUri: http://search.invalid
            resources:
              - name: items
                path: /items/{{id}}
                operations:
                  - name: get-item
                    method: GET
                    inputParameters:
                      - name: id
                        in: path
                      - name: limit
                        in: query
                      - name: ratio
                        in: query
                      - name: active
                        in: query
                      - name: code
                        in: query
                      - name: tenant
                        in: header
        exposes:
          - type: rest
            namespace: search-api
            port: 8080
            resources:
              - path: /items/{id}
                name: item
                inputParameters:
                  - name: id
                    in: path
                    type: integer
                    description: Item id.
                operations:
                  - method: GET
                    name: get-item
                    call: search.get-item
                    inputParameters:
                      - name: limit
                        in: query
                        type: integer
                        description: Page size.
                      - name: ratio
                        in: query
                        type: number
                        description: A ratio.
                      - name: active
                        in: query
                        type: boolean
                        description: Only active ones.
                      - name: code
                        in: query
                        type: string
                        pattern: '^[A-Z]{3}$'
                        description: A three-letter code.
                      - name: X-Tenant
                        in: header
                        type: string
                        pattern: '^t-[0-9]+$'
                        description: The tenant.
                    with:
                      id: rest.id
                      limit: rest.limit
                      ratio: rest.ratio
                      active: rest.active
                      code: rest.code
                      tenant: rest.X-Tenant
    `,
    { upstreams: { search: up } },
  );
}

/** No declared inputs: they derive from the consumed parameters `with` reaches. */
function derived(up: Upstream) {
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Orders
        description: Derived inputs.
      capability:
        consumes:
          - type: http
            namespace: orders
            baseUri: http://orders.invalid
            resources:
              - name: orders
                path: /orders
                operations:
                  - name: find-orders
                    method: GET
                    inputParameters:
                      - name: customer
                        in: query
                        type: string
                        required: true
                      - name: page
                        in: query
                        type: integer
                        required: true
                      - name: sort
                        in: query
                        type: string
                      - name: x-request-id
                        in: header
                        required: true
        exposes:
          - type: rest
            namespace: orders-api
            port: 8080
            resources:
              - path: /orders
                name: orders
                operations:
                  - method: GET
                    name: find-orders
                    call: orders.find-orders
                    with:
                      customer: rest.customer
                      page: orders-api.page
                      sort: rest.sort
                      x-request-id: rest.requestId
    `,
    { upstreams: { orders: up } },
  );
}

describe('declared inputs', () => {
  it('converts valid query and path strings to their declared types before the call', async () => {
    const up = await upstream();
    const { app } = await declared(up);
    const res = await app.inject({
      method: 'GET',
      url: '/items/42?limit=10&ratio=0.5&active=false&code=ABC',
      headers: { 'x-tenant': 't-7' },
    });
    expect(res.statusCode).toBe(200);
    const req = only(up);
    expect(req.path).toBe('/items/42');
    expect(Object.fromEntries(req.query)).toEqual({
      limit: '10',
      ratio: '0.5',
      active: 'false',
      code: 'ABC',
    });
    expect(req.headers.tenant).toBe('t-7');
  });

  it('lists every violation in one 400 INPUT_INVALID problem, and the upstream receives nothing', async () => {
    const up = await upstream();
    const { app } = await declared(up);
    const res = await app.inject({
      method: 'GET',
      url: '/items/abc?limit=1.5&ratio=lots&active=maybe&code=abc',
      headers: { 'x-tenant': 'acme' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = body<ProblemBody>(res);
    expect(problem).toMatchObject({ status: 400, code: 'INPUT_INVALID' });
    expect(problem.errors?.map((e) => [e.name, e.in])).toEqual([
      ['id', 'path'],
      ['limit', 'query'],
      ['ratio', 'query'],
      ['active', 'query'],
      ['code', 'query'],
      ['X-Tenant', 'header'],
    ]);
    for (const e of problem.errors ?? []) {
      expect(e.message).toContain(e.name);
      expect(problem.detail).toContain(e.message);
    }
    expect(problem.errors?.find((e) => e.name === 'limit')?.message).toMatch(/integer/);
    expect(problem.errors?.find((e) => e.name === 'ratio')?.message).toMatch(/number/);
    expect(problem.errors?.find((e) => e.name === 'active')?.message).toMatch(/boolean/);
    expect(problem.errors?.find((e) => e.name === 'code')?.message).toContain('^[A-Z]{3}$');
    expect(up.requests).toHaveLength(0);
  });

  it('reports a single problem alone and accepts absent optional inputs', async () => {
    const up = await upstream();
    const { app } = await declared(up);
    const bad = await app.inject({ method: 'GET', url: '/items/7?active=yes' });
    expect(bad.statusCode).toBe(400);
    expect(body<ProblemBody>(bad).errors).toEqual([
      { name: 'active', in: 'query', message: expect.stringContaining('active') },
    ]);
    expect(up.requests).toHaveLength(0);
    const ok = await app.inject({ method: 'GET', url: '/items/7' });
    expect(ok.statusCode).toBe(200);
    expect(only(up).url).toBe('/items/7');
  });
});

describe('required consumed parameters reached through with', () => {
  it('lists each missing or mistyped one in one 400, before any upstream call', async () => {
    const up = await upstream();
    const { app } = await derived(up);
    const res = await app.inject({ method: 'GET', url: '/orders?page=two' });
    expect(res.statusCode).toBe(400);
    const problem = body<ProblemBody>(res);
    expect(problem.code).toBe('INPUT_INVALID');
    expect(problem.errors?.map((e) => e.name).sort()).toEqual(['customer', 'page', 'requestId']);
    expect(problem.errors?.find((e) => e.name === 'customer')?.message).toMatch(/required/);
    expect(problem.errors?.find((e) => e.name === 'page')?.message).toMatch(/integer/);
    expect(up.requests).toHaveLength(0);
  });

  it('passes the inputs on when they are all there; optional ones may be absent', async () => {
    const up = await upstream();
    const { app } = await derived(up);
    const res = await app.inject({
      method: 'GET',
      url: '/orders?customer=c-1&page=2&requestId=r9',
    });
    expect(res.statusCode).toBe(200);
    const req = only(up);
    expect(Object.fromEntries(req.query)).toEqual({ customer: 'c-1', page: '2' });
    expect(req.headers['x-request-id']).toBe('r9');
  });

  it('treats an empty query value as missing for a required non-string input', async () => {
    const up = await upstream();
    const { app } = await derived(up);
    const res = await app.inject({ method: 'GET', url: '/orders?customer=c&page=&requestId=r' });
    expect(res.statusCode).toBe(400);
    expect(body<ProblemBody>(res).errors?.map((e) => e.name)).toEqual(['page']);
    expect(up.requests).toHaveLength(0);
  });
});

describe('body inputs', () => {
  function notes(up: Upstream) {
    return restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        info:
          label: Notes
          description: Body inputs.
        capability:
          consumes:
            - type: http
              namespace: notes
              baseUri: http://notes.invalid
              resources:
                - name: notes
                  path: /notes
                  operations:
                    - name: add-note
                      method: POST
                      inputParameters:
                        - name: title
                          in: body
                        - name: stars
                          in: body
                    - name: replace-notes
                      method: PUT
                      inputParameters:
                        - name: body
                          in: body
                          type: object
                          required: true
          exposes:
            - type: rest
              namespace: notes-api
              port: 8080
              resources:
                - path: /notes
                  name: notes
                  operations:
                    - method: POST
                      name: add-note
                      call: notes.add-note
                      inputParameters:
                        - name: title
                          in: body
                          type: string
                          pattern: '^[A-Z]'
                          description: Title.
                        - name: stars
                          in: body
                          type: integer
                          description: Stars.
                      with:
                        title: rest.title
                        stars: rest.stars
                    - method: PUT
                      name: replace-notes
                      call: notes.replace-notes
                      with:
                        body: rest.body
      `,
      { upstreams: { notes: up } },
    );
  }

  it('checks declared body fields: type and pattern', async () => {
    const up = await upstream();
    const { app } = await notes(up);
    const bad = await app.inject({
      method: 'POST',
      url: '/notes',
      payload: { title: 'lower', stars: 'many' },
    });
    expect(bad.statusCode).toBe(400);
    expect(body<ProblemBody>(bad).errors?.map((e) => [e.name, e.in])).toEqual([
      ['title', 'body'],
      ['stars', 'body'],
    ]);
    expect(up.requests).toHaveLength(0);
    const ok = await app.inject({
      method: 'POST',
      url: '/notes',
      payload: { title: 'Hi', stars: 3 },
    });
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(only(up).body.toString('utf8'))).toEqual({ title: 'Hi', stars: 3 });
  });

  it('a required body reached through rest.body must be present and be an object', async () => {
    const up = await upstream();
    const { app } = await notes(up);
    const missing = await app.inject({ method: 'PUT', url: '/notes' });
    expect(missing.statusCode).toBe(400);
    expect(body<ProblemBody>(missing).errors?.map((e) => e.name)).toEqual(['body']);
    const notObject = await app.inject({ method: 'PUT', url: '/notes', payload: [1, 2] });
    expect(notObject.statusCode).toBe(400);
    expect(body<ProblemBody>(notObject).errors?.[0]?.message).toMatch(/object/);
    expect(up.requests).toHaveLength(0);
  });
});
