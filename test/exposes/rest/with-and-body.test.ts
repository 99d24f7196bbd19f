/**
 * The `with` injector seen from a REST caller (contract §4): `rest.X`, `<adapter namespace>.X`,
 * templates, literals and numbers; `rest.body` is the whole parsed body (JSON or
 * form-urlencoded); an unreadable body is 400 BODY_INVALID and an oversized one 413
 * BODY_TOO_LARGE, both before any upstream call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, only, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { RestAppOptions, Upstream } from '../../helpers/rest-app.js';

afterEach(closeRestApps);

function shop(up: Upstream, options: RestAppOptions = {}) {
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Shop
        description: Orders of a shop.
      capability:
        consumes:
          - type: http
            namespace: shop
            baseUri: http://shop.invalid/api
            resources:
              - name: orders
                path: /shops/{{shop}}/orders
                operations:
                  - name: create-order
                    method: POST
                    inputParameters:
                      - name: shop
                        in: path
                      - name: ref
                        in: query
                      - name: qualified
                        in: query
                      - name: label
                        in: query
                      - name: channel
                        in: query
                      - name: priority
                        in: query
                      - name: note
                        in: query
                      - name: x-customer
                        in: header
                      - name: body
                        in: body
        exposes:
          - type: rest
            namespace: shop-api
            port: 8080
            resources:
              - path: /shops/{shop}/orders
                name: orders
                operations:
                  - method: POST
                    name: create-order
                    call: shop.create-order
                    with:
                      shop: rest.shop
                      ref: rest.ref
                      qualified: shop-api.ref
                      label: 'order-{{ref}}-for-{{shop}}'
                      channel: web
                      priority: 3
                      note: rest.note
                      x-customer: '{{body.customer.id}}'
                      body: rest.body
    `,
    { upstreams: { shop: `${up.url}/api` }, ...options },
  );
}

describe('with values', () => {
  it('resolves rest.X, <namespace>.X, templates, literals and numbers; rest.body is the whole body', async () => {
    const up = await upstream();
    const { app } = await shop(up);
    const order = { customer: { id: 'c-9' }, lines: [{ sku: 'A1', qty: 2 }], gift: false };
    const res = await app.inject({
      method: 'POST',
      url: '/shops/s%201/orders?ref=R7',
      payload: order,
    });
    expect(res.statusCode).toBe(200);
    const req = only(up);
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/shops/s%201/orders');
    expect(Object.fromEntries(req.query)).toEqual({
      ref: 'R7',
      qualified: 'R7',
      label: 'order-R7-for-s 1',
      channel: 'web',
      priority: '3',
    });
    expect(req.query.has('note')).toBe(false);
    expect(req.headers['x-customer']).toBe('c-9');
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(req.body.toString('utf8'))).toEqual(order);
  });

  it('omits a parameter whose template names an absent input, rather than sending it empty', async () => {
    const up = await upstream();
    const { app } = await shop(up);
    const res = await app.inject({ method: 'POST', url: '/shops/s1/orders', payload: {} });
    expect(res.statusCode).toBe(200);
    const req = only(up);
    expect(Object.fromEntries(req.query)).toEqual({ channel: 'web', priority: '3' });
    expect(req.headers['x-customer']).toBeUndefined();
    expect(JSON.parse(req.body.toString('utf8'))).toEqual({});
  });

  it('sends no body when the caller sends none', async () => {
    const up = await upstream();
    const { app } = await shop(up);
    const res = await app.inject({ method: 'POST', url: '/shops/s1/orders?ref=1' });
    expect(res.statusCode).toBe(200);
    expect(only(up).body.length).toBe(0);
  });

  it('reads a form-urlencoded body into rest.body (sent upstream as JSON)', async () => {
    const up = await upstream();
    const { app } = await shop(up);
    const res = await app.inject({
      method: 'POST',
      url: '/shops/s1/orders',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'sku=A%201&qty=2&note=caf%C3%A9',
    });
    expect(res.statusCode).toBe(200);
    const req = only(up);
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(req.body.toString('utf8'))).toEqual({ sku: 'A 1', qty: '2', note: 'café' });
  });

  it('accepts an application/*+json body as JSON', async () => {
    const up = await upstream();
    const { app } = await shop(up);
    const res = await app.inject({
      method: 'POST',
      url: '/shops/s1/orders',
      headers: { 'content-type': 'application/merge-patch+json' },
      payload: '{"customer":{"id":"c-2"}}',
    });
    expect(res.statusCode).toBe(200);
    expect(only(up).headers['x-customer']).toBe('c-2');
    expect(JSON.parse(only(up).body.toString('utf8'))).toEqual({ customer: { id: 'c-2' } });
  });
});

describe('unreadable request bodies', () => {
  it('answers invalid JSON with 400 BODY_INVALID and calls nothing', async () => {
    const up = await upstream();
    const { app } = await shop(up);
    const res = await app.inject({
      method: 'POST',
      url: '/shops/s1/orders',
      headers: { 'content-type': 'application/json' },
      payload: '{"customer": {',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(body(res)).toMatchObject({ status: 400, code: 'BODY_INVALID' });
    expect(up.requests).toHaveLength(0);
  });

  it('answers a body over the limit with 413 BODY_TOO_LARGE and calls nothing', async () => {
    const up = await upstream();
    const { app } = await shop(up, { bodyLimit: 64 });
    const res = await app.inject({
      method: 'POST',
      url: '/shops/s1/orders',
      payload: { customer: { id: 'x'.repeat(200) } },
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(body(res)).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE' });
    expect(String(body(res).detail)).toContain('64');
    expect(up.requests).toHaveLength(0);

    const small = await app.inject({
      method: 'POST',
      url: '/shops/s1/orders',
      payload: { customer: { id: 'x' } },
    });
    expect(small.statusCode).toBe(200);
    expect(up.requests).toHaveLength(1);
  });

  it('applies the limit to form-urlencoded bodies too', async () => {
    const up = await upstream();
    const { app } = await shop(up, { bodyLimit: 32 });
    const res = await app.inject({
      method: 'POST',
      url: '/shops/s1/orders',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `a=${'y'.repeat(100)}`,
    });
    expect(res.statusCode).toBe(413);
    expect(body(res).code).toBe('BODY_TOO_LARGE');
    expect(up.requests).toHaveLength(0);
  });
});

describe('query values', () => {
  it('keeps reserved characters encoded and repeats the key for arrays', async () => {
    const up = await upstream();
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        info:
          label: Tags
          description: Query values.
        capability:
          consumes:
            - type: http
              namespace: tags
              baseUri: http://tags.invalid
              resources:
                - name: items
                  path: /items
                  operations:
                    - name: find
                      method: GET
                      inputParameters:
                        - name: tag
                          in: query
                        - name: q
                          in: query
                        - name: ids
                          in: query
          exposes:
            - type: rest
              namespace: tags-api
              port: 8080
              resources:
                - path: /items
                  name: items
                  operations:
                    - method: GET
                      name: find
                      call: tags.find
                      inputParameters:
                        - name: ids
                          in: query
                          type: array
                          description: Comma-separated ids.
                      with:
                        tag: rest.tag
                        q: rest.q
                        ids: rest.ids
      `,
      { upstreams: { tags: up } },
    );
    const res = await app.inject({
      method: 'GET',
      url: '/items?tag=a&tag=b&q=x%26y%3Dz%20w&ids=1,2',
    });
    expect(res.statusCode).toBe(200);
    const req = only(up);
    expect(req.query.getAll('tag')).toEqual(['a', 'b']);
    expect(req.query.get('q')).toBe('x&y=z w');
    expect(req.query.getAll('ids')).toEqual(['1', '2']);
  });
});
