/**
 * Behaviours fixed after the first REST adapter tests found them (one test each, so that each
 * would fail again without its fix).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, restApp, upstream, yaml } from '../../helpers/rest-app.js';

afterEach(closeRestApps);

describe('REST adapter regressions', () => {
  it('checks a required consumed parameter even when the operation declares other inputs', async () => {
    const up = await upstream();
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        capability:
          consumes:
            - type: http
              namespace: shop
              baseUri: http://shop.invalid
              resources:
                - name: orders
                  path: /orders
                  operations:
                    - name: find
                      method: GET
                      inputParameters:
                        - { name: customer, in: query, required: true }
                        - { name: limit, in: query }
          exposes:
            - type: rest
              namespace: shop-api
              port: 8080
              resources:
                - path: /orders
                  operations:
                    - method: GET
                      call: shop.find
                      inputParameters:
                        - { name: limit, in: query, type: integer, description: Page size }
                      with: { customer: rest.customer, limit: rest.limit }
      `,
      { upstreams: { shop: up } },
    );
    const res = await app.inject({ method: 'GET', url: '/orders?limit=x' });
    expect(res.statusCode).toBe(400);
    expect(body(res).errors).toEqual([
      { name: 'limit', in: 'query', message: 'limit must be an integer' },
      { name: 'customer', message: 'customer is required' },
    ]);
    expect(up.requests).toHaveLength(0);
  });

  it('passes a binary upstream body through when nothing is mapped', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const up = await upstream((_req, res) => {
      res.setHeader('content-type', 'image/png');
      res.end(png);
    });
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        capability:
          consumes:
            - type: http
              namespace: img
              baseUri: http://img.invalid
              resources:
                - { name: logo, path: /logo.png, operations: [{ name: get, method: GET }] }
          exposes:
            - type: rest
              namespace: img-api
              port: 8080
              resources:
                - path: /logo
                  operations: [{ method: GET, call: img.get }]
      `,
      { upstreams: { img: up } },
    );
    const res = await app.inject({ method: 'GET', url: '/logo' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.rawPayload.equals(png)).toBe(true);
  });

  it('a ref keeps the referencing operation inputs; <aggregate>.X in a function is an input', async () => {
    const up = await upstream();
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        capability:
          consumes:
            - type: http
              namespace: registry
              baseUri: http://registry.invalid
              resources:
                - name: ships
                  path: /ships/{{imo}}
                  operations: [{ name: get-ship, method: GET }]
          aggregates:
            - label: Fleet
              namespace: fleet
              functions:
                - name: ship
                  description: One ship
                  inputParameters: [{ name: imo, type: string, description: IMO number }]
                  call: registry.get-ship
                  with: { imo: fleet.imo }
          exposes:
            - type: rest
              namespace: fleet-api
              port: 8080
              resources:
                - path: /ships/{imo}
                  operations:
                    - method: GET
                      ref: fleet.ship
                      inputParameters:
                        - { name: imo, in: path, type: string, pattern: '^[0-9]{7}$', description: IMO }
      `,
      { upstreams: { registry: up } },
    );
    const bad = await app.inject({ method: 'GET', url: '/ships/EVER' });
    expect(bad.statusCode).toBe(400);
    expect(up.requests).toHaveLength(0);
    const good = await app.inject({ method: 'GET', url: '/ships/9321483' });
    expect(good.statusCode).toBe(200);
    expect(up.requests.map((r) => r.path)).toEqual(['/ships/9321483']);
  });

  it('forward keeps Retry-After; an upstream error echoing a secret is redacted', async () => {
    const up = await upstream((req, res) => {
      res.statusCode = 429;
      res.setHeader('retry-after', '7');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: `bad key ${String(req.headers.authorization)}` }));
    });
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        binds: [{ namespace: env, keys: { API_TOKEN: API_TOKEN } }]
        capability:
          consumes:
            - type: http
              namespace: backend
              baseUri: http://backend.invalid
              authentication: { type: bearer, token: '{{env.API_TOKEN}}' }
          exposes:
            - type: rest
              namespace: proxy
              port: 8080
              resources:
                - path: /api
                  forward: { targetNamespace: backend }
      `,
      { upstreams: { backend: up }, env: { API_TOKEN: 'echoed-secret-4242' } },
    );
    const res = await app.inject({ method: 'GET', url: '/api/things' });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.body).toBe('{"error":"bad key Bearer [redacted]"}');
  });

  it('JSON body fields keep their types; POST /openapi.json is a 405', async () => {
    const up = await upstream();
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        capability:
          consumes:
            - type: http
              namespace: repo
              baseUri: http://repo.invalid
              resources:
                - name: stars
                  path: /stars
                  operations:
                    - name: add
                      method: POST
                      inputParameters: [{ name: stars, in: body }]
          exposes:
            - type: rest
              namespace: repo-api
              port: 8080
              resources:
                - path: /stars
                  operations:
                    - method: POST
                      call: repo.add
                      inputParameters:
                        - { name: stars, in: body, type: integer, description: How many }
                      with: { stars: rest.stars }
      `,
      { upstreams: { repo: up } },
    );
    const text = await app.inject({ method: 'POST', url: '/stars', payload: { stars: '3' } });
    expect(text.statusCode).toBe(400);
    const number = await app.inject({ method: 'POST', url: '/stars', payload: { stars: 3 } });
    expect(number.statusCode).toBe(200);
    const openapi = await app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = body(openapi) as {
      paths: Record<
        string,
        { post: { requestBody: { content: Record<string, { schema: unknown }> } } }
      >;
    };
    expect(doc.paths['/stars']?.post.requestBody.content['application/json']?.schema).toEqual({
      type: 'object',
      properties: { stars: { type: 'integer', description: 'How many' } },
    });
    const post = await app.inject({ method: 'POST', url: '/openapi.json' });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('a consumed path placeholder nothing declares is a required input, also taken from a path parameter spelt differently', async () => {
    const up = await upstream();
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        capability:
          consumes:
            - type: http
              namespace: admin
              baseUri: http://admin.invalid
              resources:
                - name: domains
                  path: /orgs/{orgId}/domains
                  operations:
                    - name: list
                      method: GET
                      inputParameters: [{ name: ids, in: query, type: array }]
          exposes:
            - type: rest
              namespace: admin-api
              port: 8080
              resources:
                - path: /orgs/{orgid}/domains
                  operations:
                    - method: GET
                      call: admin.list
                      with: { ids: rest.ids }
                - path: /domains
                  operations:
                    - method: GET
                      call: admin.list
                      with: { ids: rest.ids }
      `,
      { upstreams: { admin: up } },
    );
    const viaPath = await app.inject({ method: 'GET', url: '/orgs/o-1/domains?ids=7' });
    expect(viaPath.statusCode).toBe(200);
    const viaQuery = await app.inject({ method: 'GET', url: '/domains?orgId=o-2&ids=1,2' });
    expect(viaQuery.statusCode).toBe(200);
    expect(up.requests.map((r) => r.url)).toEqual([
      '/orgs/o-1/domains?ids=7',
      '/orgs/o-2/domains?ids=1&ids=2',
    ]);
    const missing = await app.inject({ method: 'GET', url: '/domains' });
    expect(missing.statusCode).toBe(400);
    expect(body(missing).errors).toEqual([{ name: 'orgId', message: 'orgId is required' }]);
    const openapi = body(await app.inject({ method: 'GET', url: '/openapi.json' })) as {
      paths: Record<
        string,
        { get: { parameters: { name: string; in: string; required: boolean }[] } }
      >;
    };
    expect(openapi.paths['/domains']?.get.parameters).toContainEqual(
      expect.objectContaining({ name: 'orgId', in: 'query', required: true }),
    );
  });
});
