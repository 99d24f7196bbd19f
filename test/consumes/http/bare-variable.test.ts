/**
 * A credential or parameter value written as the bare name of a bound variable means that
 * variable (the official tutorial writes `token: "REGISTRY_TOKEN"` in its text and its step 11),
 * outbound and inbound; a bare name that is not bound stays a literal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeRestApps, restApp, upstream, yaml } from '../../helpers/rest-app.js';
import { closeServed, serve } from '../../exposes/auth/helpers/serve.js';

afterEach(async () => {
  await closeRestApps();
  await closeServed();
});

const capability = (token: string, version: string, inbound = '') => yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Bare names
    description: Credentials written as bare variable names.
  binds:
    - namespace: registry-env
      keys:
        REGISTRY_TOKEN: REGISTRY_TOKEN_VALUE
        REGISTRY_VERSION: REGISTRY_VERSION_VALUE
        MCP_SERVER_TOKEN: MCP_SERVER_TOKEN_VALUE
  capability:
    consumes:
      - type: http
        namespace: registry
        description: The registry.
        baseUri: http://registry.invalid
        authentication:
          type: bearer
          token: "${token}"
        inputParameters:
          - name: Registry-Version
            in: header
            value: "${version}"
        resources:
          - name: ships
            path: /ships
            operations:
              - name: list-ships
                method: GET
    exposes:
      - type: rest
        namespace: ships-api
        port: 8080${inbound}
        resources:
          - path: /ships
            name: ships
            description: Ships.
            operations:
              - method: GET
                name: list-ships
                call: registry.list-ships
`;

const ENV = {
  REGISTRY_TOKEN_VALUE: 'tok-4411',
  REGISTRY_VERSION_VALUE: '2024-01-01',
  MCP_SERVER_TOKEN_VALUE: 'sk-mcp-7788',
};

describe('bare bound-variable names', () => {
  it('outbound: token and parameter value resolve to the bound values', async () => {
    const up = await upstream();
    const { app } = await restApp(capability('REGISTRY_TOKEN', 'REGISTRY_VERSION'), {
      upstreams: { registry: up },
      env: ENV,
    });
    expect((await app.inject({ url: '/ships' })).statusCode).toBe(200);
    expect(up.last().headers.authorization).toBe('Bearer tok-4411');
    expect(up.last().headers['registry-version']).toBe('2024-01-01');
  });

  it('the namespaced form resolves too; an unbound name stays a literal', async () => {
    const up = await upstream();
    const { app } = await restApp(capability('registry-env.REGISTRY_TOKEN', 'NOT_BOUND'), {
      upstreams: { registry: up },
      env: ENV,
    });
    await app.inject({ url: '/ships' });
    expect(up.last().headers.authorization).toBe('Bearer tok-4411');
    expect(up.last().headers['registry-version']).toBe('NOT_BOUND');
  });

  it('inbound: a bare name locks the adapter with the bound value, not the name', async () => {
    const up = await upstream();
    const served = await serve(
      capability(
        '{{REGISTRY_TOKEN}}',
        '{{REGISTRY_VERSION}}',
        '\n        authentication: {type: bearer, token: MCP_SERVER_TOKEN}',
      ),
      { upstreams: { registry: up }, env: ENV },
    );
    const url = `${served.urls.get('ships-api')}/ships`;
    const as = (token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect((await as('MCP_SERVER_TOKEN')).status).toBe(401);
    expect((await as('sk-mcp-7788')).status).toBe(200);
  });
});
