/**
 * An MCP adapter protected by OAuth 2.0 (MCP 2025-11-25 authorization; RFC 9728, RFC 6750),
 * through real HTTP: the 401 challenge names the protected-resource metadata, which is served
 * without a token at both well-known paths; the MCP SDK's own client connects with a JWT minted
 * by a loopback authorization server, and is refused without one, with an expired one (401) and
 * with one lacking the declared scope (403).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startUpstream } from '../../consumes/http/helpers/upstream.js';
import type { Upstream } from '../../consumes/http/helpers/upstream.js';
import { yaml } from '../../helpers/validate.js';
import { startAuthorizationServer } from './helpers/authorization-server.js';
import type { TestAuthorizationServer } from './helpers/authorization-server.js';
import { closeServed, serve } from './helpers/serve.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const METADATA = 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp';

const closing: { close?(): Promise<void>; stop?(): Promise<void> }[] = [];
afterEach(async () => {
  await closeServed();
  for (const c of closing.splice(0)) await (c.close ?? c.stop)!.call(c);
});

async function setup(): Promise<{ as: TestAuthorizationServer; up: Upstream; mcp: URL }> {
  const as = await startAuthorizationServer();
  closing.push(as);
  const up = await startUpstream();
  closing.push(up);
  const served = await serve(
    yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: OAuth MCP
        description: Tools behind an authorization server.
      capability:
        consumes:
          - type: http
            namespace: up
            description: The upstream.
            baseUri: http://up.invalid
            resources:
              - name: items
                path: /items
                operations:
                  - name: list-items
                    method: GET
        exposes:
          - type: mcp
            namespace: oauth-tools
            port: 9090
            description: Protected tools.
            authentication:
              type: oauth2
              authorizationServerUri: "${as.issuer}"
              resource: "${RESOURCE}"
              scopes: [tools:call]
            tools:
              - name: list-items
                description: Lists items.
                call: up.list-items
    `,
    { upstreams: { up } },
  );
  return { as, up, mcp: new URL(served.urls.get('oauth-tools')!) };
}

const claims = (as: TestAuthorizationServer, extra: Record<string, unknown> = {}) => ({
  iss: as.issuer,
  aud: RESOURCE,
  sub: 'agent-1',
  scope: 'tools:call',
  exp: Math.floor(Date.now() / 1000) + 300,
  ...extra,
});

async function connect(mcp: URL, token?: string): Promise<Client> {
  const client = new Client({ name: 'oauth-test', version: '1.0.0' });
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(mcp, { requestInit: { headers } }));
  return client;
}

describe('MCP adapter with oauth2', () => {
  it('answers 401 with resource_metadata, and serves the RFC 9728 metadata openly', async () => {
    const { as, up, mcp } = await setup();
    const res = await fetch(mcp, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer realm="oauth-tools", /);
    expect(challenge).toContain(`resource_metadata="${METADATA}"`);
    expect(challenge).toContain('scope="tools:call"');
    // No token was presented: no error code (RFC 6750 §3.1).
    expect(challenge).not.toContain('error=');
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const doc = await fetch(new URL(path, mcp));
      expect(doc.status, path).toBe(200);
      expect(await doc.json()).toMatchObject({
        resource: RESOURCE,
        authorization_servers: [as.issuer],
        scopes_supported: ['tools:call'],
        bearer_methods_supported: ['header'],
      });
    }
    expect(up.requests).toHaveLength(0);
  });

  it('lets the SDK client in with a valid token, and keeps it out otherwise', async () => {
    const { as, up, mcp } = await setup();
    await expect(connect(mcp)).rejects.toMatchObject({ code: 401 });
    const expired = await as.mint(claims(as, { exp: Math.floor(Date.now() / 1000) - 600 }));
    await expect(connect(mcp, expired)).rejects.toMatchObject({ code: 401 });
    const unscoped = await as.mint(claims(as, { scope: 'tools:list' }));
    await expect(connect(mcp, unscoped)).rejects.toMatchObject({ code: 403 });
    const otherAudience = await as.mint(claims(as, { aud: 'https://other.example.test/mcp' }));
    await expect(connect(mcp, otherAudience)).rejects.toMatchObject({ code: 401 });
    expect(up.requests).toHaveLength(0);

    const client = await connect(mcp, await as.mint(claims(as)));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['list-items']);
      const result = await client.callTool({ name: 'list-items', arguments: {} });
      expect(result.isError).not.toBe(true);
    } finally {
      await client.close();
    }
    expect(up.requests).toHaveLength(1);
    expect(up.last().headers.authorization).toBeUndefined();
  });
});

describe('oauth2 sessions and public documents', () => {
  const initialize = (mcp: URL, token: string, body: unknown, session?: string) =>
    fetch(mcp, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        ...(session ? { 'mcp-session-id': session } : {}),
      },
      body: JSON.stringify(body),
    });

  it('binds an MCP session to the subject that opened it', async () => {
    const { as, mcp } = await setup();
    const alice = await as.mint(claims(as, { sub: 'alice' }));
    const bob = await as.mint(claims(as, { sub: 'bob' }));
    const opened = await initialize(mcp, alice, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'a', version: '1' },
      },
    });
    expect(opened.status).toBe(200);
    const session = opened.headers.get('mcp-session-id')!;
    await opened.body?.cancel();
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    // Bob holds a valid token, and Alice's session id: the session does not exist for him.
    const stolen = await initialize(mcp, bob, list, session);
    expect(stolen.status).toBe(404);
    await stolen.body?.cancel();
    const own = await initialize(mcp, alice, list, session);
    expect(own.status).toBe(200);
    await own.body?.cancel();
  });

  it('exempts only the metadata routes themselves, whatever the resource path', async () => {
    const as = await startAuthorizationServer();
    closing.push(as);
    const up = await startUpstream();
    closing.push(up);
    // A resource path with an escape, and a catch-all forward that could match the metadata URL.
    const served = await serve(
      yaml`
        naftiko: 1.0.0-alpha2
        info:
          label: OAuth REST
          description: A forward behind an authorization server.
        capability:
          consumes:
            - type: http
              namespace: up
              description: The upstream.
              baseUri: http://up.invalid
              resources:
                - name: items
                  path: /items
                  operations:
                    - name: list-items
                      method: GET
          exposes:
            - type: rest
              namespace: oauth-rest
              port: 8080
              authentication:
                type: oauth2
                authorizationServerUri: "${as.issuer}"
                resource: "https://api.example.test/a%20b"
                scopes: [read]
              resources:
                - path: /{{path}}
                  name: everything
                  description: Everything, forwarded.
                  forward:
                    targetNamespace: up
      `,
      { upstreams: { up } },
    );
    const base = served.urls.get('oauth-rest')!;
    for (const path of [
      '/.well-known/oauth-protected-resource/a%20b?leak=1',
      '/.well-known/oauth-protected-resource/a b',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toMatchObject({ resource: 'https://api.example.test/a%20b' });
    }
    for (const path of ['/.well-known/oauth-protected-resource/other', '/items']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(401);
    }
    expect(up.requests).toHaveLength(0);
  });
});
