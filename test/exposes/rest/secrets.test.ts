/**
 * Bound values never reach a REST caller (contract §3): errors of every kind (unreachable,
 * timeout, unreadable upstream body, invalid input, missing value) are answered without the
 * bound token, even when the failure involves it.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import type { Handler, RestAppOptions } from '../../helpers/rest-app.js';

afterEach(closeRestApps);

const TOKEN = 'tok-S3cr3t-9f8e7d6c';
const TENANT = 'tenant-hidden-4242';

function vault(base: string, handler?: Handler, options: RestAppOptions = {}) {
  return restApp(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Vault
        description: Uses a bound token.
      binds:
        - namespace: env
          keys:
            API_TOKEN: API_TOKEN
            TENANT: TENANT
      capability:
        consumes:
          - type: http
            namespace: vault
            baseUri: http://vault.invalid/{{env.TENANT}}
            authentication:
              type: apikey
              key: api_key
              value: '{{env.API_TOKEN}}'
              placement: query
            resources:
              - name: secrets
                path: /secrets/{{name}}
                operations:
                  - name: get-secret
                    method: GET
                    inputParameters:
                      - name: name
                        in: path
                      - name: x-token
                        in: header
                        value: '{{env.API_TOKEN}}'
                      - name: owner
                        in: query
                        required: true
        exposes:
          - type: rest
            namespace: vault-api
            port: 8080
            resources:
              - path: /secrets/{name}
                name: secrets
                operations:
                  - method: GET
                    name: get-secret
                    call: vault.get-secret
                    inputParameters:
                      - name: name
                        in: path
                        type: string
                        pattern: '^[a-z]+$'
                        description: Secret name.
                      - name: owner
                        in: query
                        type: string
                        description: Owner.
                    with:
                      name: rest.name
                      owner: rest.owner
                    # A mapped output makes the engine decode the body (pass-through would not).
                    outputParameters:
                      - type: object
                        properties:
                          value: { type: string, mapping: $.value }
    `,
    {
      upstreams: { vault: `${base}/${TENANT}` },
      env: { API_TOKEN: TOKEN, TENANT },
      ...options,
    },
  );
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(TENANT);
}

describe('bound secrets in error bodies', () => {
  it('the upstream receives the bound values (so the failures below do involve them)', async () => {
    const up = await upstream();
    const { app } = await vault(up.url);
    const res = await app.inject({ method: 'GET', url: '/secrets/db?owner=ops' });
    expect(res.statusCode).toBe(200);
    const req = up.last();
    expect(req.path).toBe(`/${TENANT}/secrets/db`);
    expect(req.query.get('api_key')).toBe(TOKEN);
    expect(req.headers['x-token']).toBe(TOKEN);
  });

  it('unreachable upstream: 502 UPSTREAM_UNREACHABLE without the token or tenant', async () => {
    const port = await closedPort();
    const { app } = await vault(`http://127.0.0.1:${port}`);
    const res = await app.inject({ method: 'GET', url: '/secrets/db?owner=ops' });
    expect(res.statusCode).toBe(502);
    expect(body(res).code).toBe('UPSTREAM_UNREACHABLE');
    expectNoSecret(res.body);
  });

  it('slow upstream: 504 UPSTREAM_TIMEOUT without the token or tenant', async () => {
    const up = await upstream(() => new Promise<void>(() => undefined));
    const { app } = await vault(up.url, undefined, { totalTimeoutMs: 300 });
    const res = await app.inject({ method: 'GET', url: '/secrets/db?owner=ops' });
    expect(res.statusCode).toBe(504);
    expect(body(res).code).toBe('UPSTREAM_TIMEOUT');
    expectNoSecret(res.body);
  });

  it('an unreadable upstream body that quotes the token: 502 UPSTREAM_BAD_RESPONSE, redacted', async () => {
    const up = await upstream((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(`oops ${String(req.headers['x-token'])} oops`);
    });
    const { app } = await vault(up.url);
    const res = await app.inject({ method: 'GET', url: '/secrets/db?owner=ops' });
    expect(res.statusCode).toBe(502);
    expect(body(res).code).toBe('UPSTREAM_BAD_RESPONSE');
    expectNoSecret(res.body);
  });

  it('invalid inputs and missing values: 400 without the token or tenant', async () => {
    const up = await upstream();
    const { app } = await vault(up.url);
    const invalid = await app.inject({ method: 'GET', url: `/secrets/${TOKEN}?owner=ops` });
    expect(invalid.statusCode).toBe(400);
    expect(body(invalid).code).toBe('INPUT_INVALID');
    expectNoSecret(invalid.body);
    const missing = await app.inject({ method: 'GET', url: '/secrets/db' });
    expect(missing.statusCode).toBe(400);
    expect(body(missing).code).toBe('INPUT_INVALID');
    expectNoSecret(missing.body);
    expect(up.requests).toHaveLength(0);
  });

  it('routing errors do not echo anything bound either', async () => {
    const up = await upstream();
    const { app } = await vault(up.url);
    for (const [method, url] of [
      ['GET', `/nothing/${TENANT}`],
      ['DELETE', '/secrets/db'],
    ] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expectNoSecret(res.body);
    }
  });
});
