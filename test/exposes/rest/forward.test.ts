/**
 * `forward` resources (contract §7): any method and sub-path proxied to the target namespace's
 * base URI, the query string kept, only `trustedHeaders` copied from the caller, and the consumes
 * block's own authentication applied.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, only, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Handler, Upstream } from '../../helpers/rest-app.js';

afterEach(closeRestApps);

const TOKEN = 'fwd-secret-token-5150';

function proxy(up: Upstream) {
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Proxy
        description: A forwarding capability.
      binds:
        - namespace: env
          keys:
            API_TOKEN: API_TOKEN
      capability:
        consumes:
          - type: http
            namespace: backend
            baseUri: http://backend.invalid/v2
            authentication:
              type: bearer
              token: '{{env.API_TOKEN}}'
        exposes:
          - type: rest
            namespace: proxy-api
            port: 8080
            resources:
              - path: /backend
                name: backend
                forward:
                  targetNamespace: backend
                  trustedHeaders:
                    - X-Trace-Id
                    - Accept-Language
    `,
    { upstreams: { backend: `${up.url}/v2` }, env: { API_TOKEN: TOKEN } },
  );
}

const echo: Handler = (req, res) => {
  res.statusCode = req.method === 'POST' ? 201 : 200;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url }));
};

describe('forward resources', () => {
  it('proxies a sub-path with its query string, trusted headers only, and the consumes auth', async () => {
    const up = await upstream(echo);
    const { app } = await proxy(up);
    const res = await app.inject({
      method: 'GET',
      url: '/backend/ships/42/crew?limit=5&name=a%20b&tag=x&tag=y',
      headers: {
        'x-trace-id': 'trace-1',
        'accept-language': 'fr',
        'x-secret': 'do-not-forward',
        authorization: 'Bearer caller-token',
        cookie: 'session=abc',
      },
    });
    expect(res.statusCode).toBe(200);
    const req = only(up);
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/v2/ships/42/crew?limit=5&name=a%20b&tag=x&tag=y');
    expect(req.headers['x-trace-id']).toBe('trace-1');
    expect(req.headers['accept-language']).toBe('fr');
    expect(req.headers['x-secret']).toBeUndefined();
    expect(req.headers.cookie).toBeUndefined();
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(body(res)).toEqual({ method: 'GET', url: req.url });
  });

  it('proxies every method, with the body, and keeps the upstream status and content type', async () => {
    const up = await upstream(echo);
    const { app } = await proxy(up);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const res = await app.inject({
        method,
        url: '/backend/orders/7',
        payload: { method, n: 1 },
      });
      expect(res.statusCode, method).toBe(method === 'POST' ? 201 : 200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const req = up.last();
      expect(req.method).toBe(method);
      expect(req.path).toBe('/v2/orders/7');
      expect(JSON.parse(req.body.toString('utf8'))).toEqual({ method, n: 1 });
      expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    }
    expect(up.requests).toHaveLength(4);
  });

  it('proxies the resource path itself to the base URI', async () => {
    const up = await upstream(echo);
    const { app } = await proxy(up);
    const res = await app.inject({ method: 'GET', url: '/backend?q=1' });
    expect(res.statusCode).toBe(200);
    expect(only(up).url).toBe('/v2?q=1');
  });

  it('keeps an upstream error status with its body', async () => {
    const up = await upstream((_req, res) => {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain');
      res.end('no such order');
    });
    const { app } = await proxy(up);
    const res = await app.inject({ method: 'GET', url: '/backend/orders/9' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.body).toBe('no such order');
  });

  it('refuses a path that climbs above the base with .. (sent raw over a real socket)', async () => {
    const up = await upstream(echo);
    const { app } = await proxy(up);
    // app.inject() normalises dot segments away; a real client can send them as they are.
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    for (const path of ['/backend/a/%2e%2e/%2e%2e/admin', '/backend/a/../../admin']) {
      const res = await rawGet(port, path);
      expect(res.status, path).toBe(400);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'INPUT_INVALID' });
    }
    expect(up.requests).toHaveLength(0);
  });

  it('sends an encoded sub-path as it was received', async () => {
    const up = await upstream(echo);
    const { app } = await proxy(up);
    const res = await app.inject({ method: 'GET', url: '/backend/files/a%2Fb%20c' });
    expect(res.statusCode).toBe(200);
    expect(only(up).path).toBe('/v2/files/a%2Fb%20c');
  });

  it('does not shadow other paths', async () => {
    const up = await upstream(echo);
    const { app } = await proxy(up);
    const res = await app.inject({ method: 'GET', url: '/backendish/x' });
    expect(res.statusCode).toBe(404);
    expect(body(res).code).toBe('ROUTE_NOT_FOUND');
    expect(up.requests).toHaveLength(0);
  });
});

/** A GET whose path is sent byte for byte (no URL normalisation). */
function rawGet(
  port: number,
  path: string,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
