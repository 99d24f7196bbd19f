/**
 * Required consumed parameters that nothing feeds (contract §4), as in Auth0's generated
 * capabilities (an `ACCESS_TOKEN` header that `with` leaves out): they become caller inputs of the
 * same name — required, listed in /openapi.json and the tool's inputSchema, sent upstream where
 * the consumed parameter says — and `naftiko validate` warns about them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { body, closeRestApps, only, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import { diagnose } from '../../helpers/validate.js';
import { call, closeMcp, load, mcpClient, text } from '../mcp/helpers/mcp-client.js';
import { upstream as mcpUpstream } from '../mcp/helpers/mcp-client.js';

afterEach(async () => {
  await closeRestApps();
  await closeMcp();
});

const capability = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Tenant users
    description: Users of an identity tenant.
  capability:
    consumes:
      - type: http
        namespace: idp
        description: The identity provider's management API.
        baseUri: http://idp.invalid/api/v2
        resources:
          - name: users
            path: /users
            operations:
              - name: list-users
                method: GET
                inputParameters:
                  - name: ACCESS_TOKEN
                    in: header
                    type: string
                    required: true
                    description: Management API token.
                  - name: page
                    in: query
                    type: integer
                  - name: tenant
                    in: query
                    required: true
                    value: acme
    exposes:
      - type: rest
        namespace: users-api
        port: 3000
        resources:
          - path: /users
            description: Users.
            operations:
              - method: GET
                name: list-users
                call: idp.list-users
                with:
                  page: rest.page
      - type: mcp
        namespace: users-mcp
        port: 3001
        tools:
          - name: list-users
            description: List users.
            call: idp.list-users
            with:
              page: tools.page
`;

describe('an unfed required consumed parameter', () => {
  it('is a required REST input: missing → 400 naming it, present → sent upstream as a header', async () => {
    const up = await upstream();
    const { app } = await restApp(capability, { upstreams: { idp: up } });

    const missing = await app.inject({ method: 'GET', url: '/users?page=2' });
    expect(missing.statusCode).toBe(400);
    expect(body(missing).code).toBe('INPUT_INVALID');
    expect(body(missing).detail).toContain('ACCESS_TOKEN is required');
    expect(up.requests).toHaveLength(0);

    const res = await app.inject({
      method: 'GET',
      url: '/users?page=2',
      headers: { ACCESS_TOKEN: 'tok-1' },
    });
    expect(res.statusCode).toBe(200);
    const sent = only(up);
    expect(sent.headers['access_token']).toBe('tok-1');
    expect(sent.query.get('page')).toBe('2');
    expect(sent.query.get('tenant')).toBe('acme');
  });

  it('is listed in /openapi.json where the caller sends it', async () => {
    const { app } = await restApp(capability, { upstreams: { idp: 'http://127.0.0.1:9' } });
    const doc = body(await app.inject({ method: 'GET', url: '/openapi.json' })) as {
      paths: Record<string, { get: { parameters: Record<string, unknown>[] } }>;
    };
    const params = doc.paths['/users']?.get.parameters ?? [];
    expect(params).toContainEqual({
      name: 'ACCESS_TOKEN',
      in: 'header',
      required: true,
      description: 'Management API token.',
      schema: { type: 'string' },
    });
    // A parameter with a `value` stays the engine's.
    expect(params.map((p) => p.name)).not.toContain('tenant');
  });

  it('is a required property of the tool inputSchema, and sent upstream', async () => {
    const up = await mcpUpstream();
    const { client } = await mcpClient(await load({ text: capability }), {
      upstreams: { idp: up },
    });
    const { tools } = await client.listTools();
    const schema = tools.find((t) => t.name === 'list-users')?.inputSchema;
    expect(schema?.required).toContain('ACCESS_TOKEN');
    expect(schema?.properties?.ACCESS_TOKEN).toEqual({
      type: 'string',
      description: 'Management API token.',
    });

    const refused = await call(client, 'list-users', { page: 1 });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('ACCESS_TOKEN is required');
    expect(up.requests).toHaveLength(0);

    const ok = await call(client, 'list-users', { page: 1, ACCESS_TOKEN: 'tok-2' });
    expect(ok.isError).toBeFalsy();
    expect(up.last().headers['access_token']).toBe('tok-2');
  });

  it('is flagged by validate, naming the parameter and the operation or tool', async () => {
    const warnings = (await diagnose(capability)).filter(
      (d) => d.rule === 'unfed-required-parameter',
    );
    expect(warnings.map((d) => d.severity)).toEqual(['warning', 'warning']);
    expect(warnings[0]?.message).toContain('REST operation "list-users"');
    expect(warnings[1]?.message).toContain('MCP tool "list-users"');
    for (const w of warnings) expect(w.message).toContain('"ACCESS_TOKEN" (in: header)');
  });

  it('also feeds query, cookie and body-field parameters from inputs of their names', async () => {
    const up = await upstream();
    const { app } = await restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        info:
          label: Orders
          description: Orders.
        capability:
          consumes:
            - type: http
              namespace: shop
              description: Shop API.
              baseUri: http://shop.invalid
              resources:
                - name: orders
                  path: /orders/{{orderId}}
                  operations:
                    - name: update-order
                      method: POST
                      inputParameters:
                        - name: region
                          in: query
                          required: true
                        - name: session
                          in: cookie
                          required: true
                        - name: note
                          in: body
                          required: true
                        - name: priority
                          in: body
          exposes:
            - type: rest
              namespace: orders-api
              port: 3000
              resources:
                - path: /orders
                  description: Orders.
                  operations:
                    - method: POST
                      name: update-order
                      call: shop.update-order
                      with:
                        priority: rest.level
      `,
      { upstreams: { shop: up } },
    );
    const res = await app.inject({
      method: 'POST',
      url: '/orders?region=eu&orderId=o-7',
      headers: { cookie: 'session=s-1', 'content-type': 'application/json' },
      payload: { note: 'rush', level: 3 },
    });
    expect(res.statusCode).toBe(200);
    const sent = only(up);
    expect(sent.path).toBe('/orders/o-7');
    expect(sent.query.get('region')).toBe('eu');
    expect(sent.headers.cookie).toContain('session=s-1');
    expect(JSON.parse(sent.body.toString())).toEqual({ note: 'rush' });

    const missing = await app.inject({ method: 'POST', url: '/orders', payload: {} });
    expect(missing.statusCode).toBe(400);
    for (const name of ['region', 'session', 'note', 'orderId']) {
      expect(body(missing).detail).toContain(`${name} is required`);
    }
  });
});
