/**
 * Inbound bearer, API key (header and query) and basic authentication through real HTTP, on a
 * REST adapter and an MCP adapter of the same capability (issue 9): no credential → 401 with the
 * scheme's challenge and nothing sent upstream; a wrong one → 401; the right one → the normal
 * answer. The MCP side is driven by the MCP SDK's own client.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startUpstream } from '../../consumes/http/helpers/upstream.js';
import type { Upstream } from '../../consumes/http/helpers/upstream.js';
import { yaml } from '../../helpers/validate.js';
import { closeServed, serve } from './helpers/serve.js';

const upstreams: Upstream[] = [];
afterEach(async () => {
  await closeServed();
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

async function upstream(): Promise<Upstream> {
  const u = await startUpstream((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ items: [{ id: 'a1' }], path: req.url }));
  });
  upstreams.push(u);
  return u;
}

const SECRET = 's3cret-Tok3n-7d1e';

/** A capability whose REST and MCP adapters both declare `auth` (YAML lines, indented). */
function capability(auth: string): string {
  return yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Locked
      description: Both doors locked.
    binds:
      - namespace: env
        keys:
          INBOUND_SECRET: INBOUND_SECRET
          INBOUND_USER: INBOUND_USER
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
          namespace: locked-rest
          port: 8080
          authentication: ${auth}
          resources:
            - path: /items
              name: items
              description: Items.
              operations:
                - method: GET
                  name: list-items
                  call: up.list-items
            - path: /proxy/{{path}}
              name: proxy
              description: Forwarded.
              forward:
                targetNamespace: up
        - type: mcp
          namespace: locked-mcp
          port: 9090
          description: Locked tools.
          authentication: ${auth}
          tools:
            - name: list-items
              description: Lists items.
              call: up.list-items
  `;
}

const ENV = { INBOUND_SECRET: SECRET, INBOUND_USER: 'ops-ünïcode' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

interface Case {
  readonly name: string;
  readonly auth: string;
  /** The OpenAPI security scheme `/openapi.json` declares. */
  readonly openapi: Record<string, unknown>;
  readonly challenge: RegExp;
  /** Adds the credential to a request (URL and headers). */
  readonly right: (url: URL, headers: Record<string, string>) => void;
  readonly wrong: (url: URL, headers: Record<string, string>) => void;
}

const CASES: Case[] = [
  {
    name: 'bearer',
    auth: `{type: bearer, token: "{{INBOUND_SECRET}}"}`,
    challenge: /^Bearer realm="locked-(rest|mcp)"/,
    openapi: { bearerAuth: { type: 'http', scheme: 'bearer' } },
    right: (_u, h) => void (h.authorization = `Bearer ${SECRET}`),
    wrong: (_u, h) => void (h.authorization = `Bearer ${SECRET}x`),
  },
  {
    name: 'apikey in a header',
    auth: `{type: apikey, key: X-Locked-Key, value: "{{INBOUND_SECRET}}"}`,
    challenge: /^ApiKey realm="locked-(rest|mcp)", in="header", name="X-Locked-Key"$/,
    openapi: { apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-Locked-Key' } },
    right: (_u, h) => void (h['x-locked-key'] = SECRET),
    wrong: (_u, h) => void (h['x-locked-key'] = SECRET.slice(1)),
  },
  {
    name: 'apikey in the query',
    auth: `{type: apikey, key: access_key, value: "{{INBOUND_SECRET}}", placement: query}`,
    challenge: /^ApiKey realm="locked-(rest|mcp)", in="query", name="access_key"$/,
    openapi: { apiKeyAuth: { type: 'apiKey', in: 'query', name: 'access_key' } },
    // Appended as text: URLSearchParams would re-encode the rest of the query.
    right: (u) => void (u.search = `${u.search}${u.search ? '&' : '?'}access_key=${SECRET}`),
    wrong: (u) => void (u.search = `${u.search}${u.search ? '&' : '?'}access_key=nope`),
  },
  {
    name: 'basic',
    auth: `{type: basic, username: "{{INBOUND_USER}}", password: "{{INBOUND_SECRET}}"}`,
    challenge: /^Basic realm="locked-(rest|mcp)", charset="UTF-8"$/,
    openapi: { basicAuth: { type: 'http', scheme: 'basic' } },
    right: (_u, h) => void (h.authorization = basic(ENV.INBOUND_USER, SECRET)),
    wrong: (_u, h) => void (h.authorization = basic('ops', SECRET)),
  },
];

async function get(base: string, path: string, add?: Case['right'], init: RequestInit = {}) {
  const url = new URL(path, base);
  const headers: Record<string, string> = {};
  add?.(url, headers);
  return fetch(url, { ...init, headers: { ...headers, ...(init.headers as object) } });
}

describe.each(CASES)('inbound $name', (c) => {
  it('REST: no credential → 401 with the challenge, as problem+json, and nothing upstream', async () => {
    const up = await upstream();
    const served = await serve(capability(c.auth), { upstreams: { up }, env: ENV });
    const base = served.urls.get('locked-rest')!;
    for (const path of ['/items', '/proxy/items', '/openapi.json', '/no/such/route']) {
      const res = await get(base, path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(c.challenge);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { code: string; status: number };
      expect(problem).toMatchObject({ code: 'AUTH_REQUIRED', status: 401 });
    }
    expect(up.requests).toHaveLength(0);
    expect(served.refusals.map((r) => r.reason)[0]).toMatch(/^no /);
  });

  it('REST: a wrong credential → 401 AUTH_INVALID, never echoed, and nothing upstream', async () => {
    const up = await upstream();
    const served = await serve(capability(c.auth), { upstreams: { up }, env: ENV });
    const res = await get(served.urls.get('locked-rest')!, '/items', c.wrong);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(c.challenge);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'AUTH_INVALID' });
    expect(text).not.toContain(SECRET.slice(1));
    expect(up.requests).toHaveLength(0);
    expect(served.refusals).toHaveLength(1);
    expect(JSON.stringify(served.refusals)).not.toContain(SECRET.slice(1));
  });

  it('REST: the right credential → the normal answer; it is not passed upstream', async () => {
    const up = await upstream();
    const served = await serve(capability(c.auth), { upstreams: { up }, env: ENV });
    const base = served.urls.get('locked-rest')!;
    const res = await get(base, '/items?x=1', c.right);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ items: [{ id: 'a1' }] });
    const forwarded = await get(base, '/proxy/things?y=a+b%20c%2Bd~*', c.right);
    expect(forwarded.status).toBe(200);
    expect(up.requests).toHaveLength(2);
    for (const r of up.requests) {
      expect(r.url).not.toContain(SECRET);
      expect(JSON.stringify(r.headers)).not.toContain(SECRET);
    }
    // The query is kept byte for byte, minus any credential (the path mapping of `{{path}}` is
    // issue 15's).
    expect(up.requests[1]!.url).toMatch(/\?y=a\+b%20c%2Bd~\*$/);
    expect(await (await get(base, '/no/such/route', c.right)).json()).toMatchObject({
      code: 'ROUTE_NOT_FOUND',
    });
    expect(served.refusals).toHaveLength(0);
  });

  it('REST: /openapi.json declares the security scheme and the 401/403 answers', async () => {
    const up = await upstream();
    const served = await serve(capability(c.auth), { upstreams: { up }, env: ENV });
    const res = await get(served.urls.get('locked-rest')!, '/openapi.json', c.right);
    const doc = (await res.json()) as {
      security: Record<string, string[]>[];
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.components.securitySchemes).toEqual(c.openapi);
    expect(doc.security).toEqual([{ [Object.keys(c.openapi)[0]!]: [] }]);
    expect(Object.keys(doc.paths['/items']!.get!.responses)).toEqual(
      expect.arrayContaining(['200', '401', '403']),
    );
  });

  it('REST: a refused request is answered before its body is read', async () => {
    const up = await upstream();
    const served = await serve(capability(c.auth), { upstreams: { up }, env: ENV });
    // Over the 1 MiB body limit: were the body read, the answer would be 413.
    const res = await get(served.urls.get('locked-rest')!, '/items', undefined, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `"${'x'.repeat(2 * 1024 * 1024)}"`,
    });
    expect(res.status).toBe(401);
  });

  it('MCP: the SDK client connects with the credential and is refused without it', async () => {
    const up = await upstream();
    const served = await serve(capability(c.auth), { upstreams: { up }, env: ENV });
    const url = new URL(served.urls.get('locked-mcp')!);
    const connect = async (add?: Case['right']) => {
      const target = new URL(url);
      const headers: Record<string, string> = {};
      add?.(target, headers);
      const client = new Client({ name: 'auth-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(target, { requestInit: { headers } }));
      return client;
    };
    await expect(connect()).rejects.toMatchObject({ code: 401 });
    await expect(connect(c.wrong)).rejects.toMatchObject({ code: 401 });
    expect(up.requests).toHaveLength(0);

    const client = await connect(c.right);
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(['list-items']);
      const result = await client.callTool({ name: 'list-items', arguments: {} });
      expect(result.isError).not.toBe(true);
      expect(JSON.stringify(result.content)).toContain('a1');
    } finally {
      await client.close();
    }
    expect(up.requests).toHaveLength(1);
  });

  it('MCP: a refused initialize gets HTTP 401 and opens no session', async () => {
    const up = await upstream();
    const served = await serve(capability(c.auth), { upstreams: { up }, env: ENV });
    const res = await get(served.urls.get('locked-mcp')!, '', c.wrong, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'x', version: '1' },
        },
      }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(c.challenge);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(await res.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { data: { code: 'AUTH_INVALID' } },
    });
  });
});

describe('inbound authentication fails closed at start-up', () => {
  it('an empty bound credential stops the adapter, naming the variable and not the value', async () => {
    const up = await upstream();
    const start = serve(capability(`{type: bearer, token: "{{INBOUND_SECRET}}"}`), {
      upstreams: { up },
      env: { INBOUND_SECRET: '', INBOUND_USER: 'u' },
    });
    await expect(start).rejects.toMatchObject({
      code: 'AUTH_UNENFORCEABLE',
      message: expect.stringMatching(/REST adapter "locked-rest".*\{\{INBOUND_SECRET\}\}.*empty/),
    });
  });

  it('a basic password that is missing from the document stops the adapter', async () => {
    const up = await upstream();
    const start = serve(capability(`{type: basic, username: "{{INBOUND_USER}}"}`), {
      upstreams: { up },
      env: ENV,
    });
    await expect(start).rejects.toMatchObject({
      code: 'AUTH_UNENFORCEABLE',
      message: expect.stringMatching(/declares no password/),
    });
  });
});

describe('a credential that reads like an unbound variable name', () => {
  it('is refused at start-up: the lock would accept its own misspelt name', async () => {
    const { compileInboundAuth } = await import('../../../src/exposes/auth/inbound-auth.js');
    const bound: Record<string, string> = { MCP_SERVER_TOKEN: 'sk-1' };
    const ctx = { variables: (n: string) => bound[n], label: 'MCP adapter "t"', realm: 't' };
    await expect(
      compileInboundAuth({ type: 'bearer', token: 'MCP_SERVER_TOKN' }, ctx),
    ).rejects.toMatchObject({
      code: 'AUTH_UNENFORCEABLE',
      message: expect.stringMatching(/"MCP_SERVER_TOKN" reads like a variable name/),
    });
    // The bound name itself is the variable; a literal secret is a literal.
    await expect(
      compileInboundAuth({ type: 'bearer', token: 'MCP_SERVER_TOKEN' }, ctx),
    ).resolves.toMatchObject({ scheme: 'bearer' });
    await expect(
      compileInboundAuth({ type: 'bearer', token: 'Lit3ral-secret' }, ctx),
    ).resolves.toMatchObject({ scheme: 'bearer' });
  });
});

describe('a URL the router cannot read', () => {
  it('is refused with 400 without quoting the URL or the key in it', async () => {
    const up = await upstream();
    const served = await serve(
      capability(`{type: apikey, key: access_key, value: "{{INBOUND_SECRET}}", placement: query}`),
      { upstreams: { up }, env: ENV },
    );
    for (const base of [served.urls.get('locked-rest')!, served.urls.get('locked-mcp')!]) {
      const origin = new URL(base).origin;
      const res = await fetch(`${origin}/items%?access_key=${SECRET}`);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'INPUT_INVALID' });
      expect(text).not.toContain(SECRET);
    }
    expect(up.requests).toHaveLength(0);
  });
});
