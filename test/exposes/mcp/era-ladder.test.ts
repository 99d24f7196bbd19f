/**
 * Both eras of MCP on one endpoint (issue 13; docs/design/mcp-next.md §5.3): raw HTTP requests
 * against a real adapter on port 0. A 2026-07-28 request is checked in the SDK's order —
 * envelope (-32602), `MCP-Protocol-Version` (-32020), version (-32022), `Mcp-Method`/`Mcp-Name`
 * (-32020), then methods (404 -32601) — with the request id echoed; its results carry
 * `resultType`, the server's info in `_meta`, and caching hints on exactly the cacheable methods.
 * A 2025-11-25 session on the same port is unchanged and its results undecorated.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdapter } from '../../../src/exposes/adapter.js';
import { startMcpHttpAdapter } from '../../../src/exposes/mcp/mcp-http.js';
import type { McpHttpOptions } from '../../../src/exposes/mcp/mcp-http.js';
import { closeMcp, load, mcpRuntime, upstream, yaml } from './helpers/mcp-client.js';
import type { Upstream } from './helpers/mcp-client.js';
import {
  CLIENT_INFO_META,
  VERSION,
  envelope,
  initializeMessage,
  modern,
  post,
} from './helpers/raw-mcp.js';

let dir: string;
let watched: string;
const running: RunningAdapter[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'naftiko-era-'));
  watched = path.join(dir, 'watched.txt');
  writeFileSync(watched, 'first version');
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop(1_000)));
  await closeMcp();
});

function capability(base: string) {
  return yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Era test
      description: Both eras on one endpoint.
    capability:
      consumes:
      - type: http
        namespace: slow
        baseUri: ${base}
        description: An upstream that takes its time.
        resources:
        - name: things
          path: /things
          operations:
          - name: get-things
            method: GET
            description: Answers after a while.
      exposes:
      - type: mcp
        transport: http
        namespace: era-test
        port: 3001
        description: Era test server.
        tools:
        - name: hello
          label: Hello
          description: Says hello.
          outputParameters:
          - name: text
            type: string
            value: hello
        - name: slow-things
          label: Slow things
          description: Calls the slow upstream.
          call: slow.get-things
        resources:
        - name: watched
          label: Watched
          uri: test://watched
          description: A file that changes.
          mimeType: text/plain
          location: ${pathToFileURL(watched).href}
  `;
}

let slow: Upstream;
/** Upstream exchanges the engine gave up before the answer (its socket closed first). */
let abandoned = 0;
async function start(options: McpHttpOptions = {}, delayMs = 0): Promise<RunningAdapter> {
  abandoned = 0;
  slow = await upstream(async (_req, res) => {
    res.once('close', () => {
      if (!res.writableFinished) abandoned++;
    });
    await new Promise((r) => setTimeout(r, delayMs));
    if (res.destroyed) return;
    res.setHeader('content-type', 'application/json');
    res.end('{"things":[1,2,3]}');
  });
  const { adapter, runtime } = await mcpRuntime(await load({ text: capability(slow.url) }), {
    upstreams: { slow },
  });
  const run = await startMcpHttpAdapter(adapter, runtime, { port: 0, ...options });
  running.push(run);
  return run;
}

describe('2026-07-28 requests: the checks, in order', () => {
  it('answers each rung with its status and code, echoing the request id', async () => {
    const { url } = await start();
    const base = modern('tools/call', { name: 'hello', arguments: {} });
    const unsupportedBody = {
      ...base.body,
      params: {
        name: 'hello',
        _meta: envelope({
          ...CLIENT_INFO_META,
          'io.modelcontextprotocol/protocolVersion': '1900-01-01',
        }),
      },
    };
    const unsupportedHeaders = { ...base.headers, 'mcp-protocol-version': '1900-01-01' };
    const cases: [string, unknown, Record<string, string>, number, number][] = [
      [
        'no envelope, modern header',
        { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} },
        { 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/list' },
        400,
        -32602,
      ],
      [
        'envelope without client capabilities',
        {
          ...base.body,
          params: {
            name: 'hello',
            _meta: { 'io.modelcontextprotocol/protocolVersion': VERSION },
          },
        },
        base.headers,
        400,
        -32602,
      ],
      [
        'no MCP-Protocol-Version header',
        base.body,
        { 'mcp-method': 'tools/call', 'mcp-name': 'hello' },
        400,
        -32020,
      ],
      [
        'header differs from the envelope',
        base.body,
        { ...base.headers, 'mcp-protocol-version': '2099-01-01' },
        400,
        -32020,
      ],
      ['unsupported version', unsupportedBody, unsupportedHeaders, 400, -32022],
      [
        'no Mcp-Method',
        base.body,
        { 'mcp-protocol-version': VERSION, 'mcp-name': 'hello' },
        400,
        -32020,
      ],
      [
        'Mcp-Method differs',
        base.body,
        { ...base.headers, 'mcp-method': 'tools/list' },
        400,
        -32020,
      ],
      [
        'no Mcp-Name',
        base.body,
        { 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call' },
        400,
        -32020,
      ],
      ['Mcp-Name differs', base.body, { ...base.headers, 'mcp-name': 'other' }, 400, -32020],
    ];
    for (const [label, body, headers, status, code] of cases) {
      const answer = await post(url, body, headers);
      expect(answer.status, label).toBe(status);
      expect(answer.json(), label).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code } });
    }
    const unsupported = await post(url, unsupportedBody, unsupportedHeaders);
    expect(unsupported.json().error.data).toEqual({
      supported: [VERSION],
      requested: '1900-01-01',
    });
  });

  it('decodes a base64-encoded Mcp-Name and ignores Mcp-Session-Id', async () => {
    const { url } = await start();
    const { body, headers } = modern('tools/call', { name: 'hello', arguments: {} });
    const encoded = `=?base64?${Buffer.from('hello').toString('base64')}?=`;
    const answer = await post(url, body, {
      ...headers,
      'mcp-name': encoded,
      'mcp-session-id': 'nobody-minted-this',
    });
    expect(answer.status).toBe(200);
    expect(answer.json().result.content).toEqual([{ type: 'text', text: '{"text":"hello"}' }]);
    expect(answer.headers['mcp-session-id']).toBeUndefined();
  });

  it('refuses the methods the era removed with 404 -32601 and accepts notifications with 202', async () => {
    const { url } = await start();
    for (const method of [
      'initialize',
      'ping',
      'logging/setLevel',
      'resources/subscribe',
      'no/such',
    ]) {
      const { body, headers } = modern(method, { uri: 'test://watched', level: 'info' });
      const answer = await post(url, body, headers);
      expect(answer.status, method).toBe(404);
      expect(answer.json(), method).toMatchObject({ id: 7, error: { code: -32601 } });
    }
    const note = modern('notifications/progress');
    const notification = { jsonrpc: '2.0', method: note.body.method, params: note.body.params };
    const accepted = await post(url, notification, note.headers);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toBe('');
  });
});

describe('2026-07-28 results', () => {
  it('server/discover names the version, the capabilities and the server', async () => {
    const { url } = await start();
    const { body, headers } = modern('server/discover');
    const answer = await post(url, body, headers);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.json().result).toEqual({
      supportedVersions: [VERSION],
      capabilities: { tools: {}, resources: { subscribe: true }, logging: {} },
      instructions: 'Era test server.',
      resultType: 'complete',
      ttlMs: 60_000,
      cacheScope: 'public',
      _meta: {
        'io.modelcontextprotocol/serverInfo': { name: 'era-test', version: expect.any(String) },
      },
    });
  });

  it('puts caching hints on the cacheable results only, resultType and serverInfo on all', async () => {
    const { url } = await start();
    const calls: [string, Record<string, unknown>, boolean][] = [
      ['tools/list', {}, true],
      ['resources/list', {}, true],
      ['resources/templates/list', {}, true],
      ['resources/read', { uri: 'test://watched' }, true],
      ['tools/call', { name: 'hello', arguments: {} }, false],
    ];
    for (const [method, params, cacheable] of calls) {
      const { body, headers } = modern(method, params);
      const { result } = (await post(url, body, headers)).json();
      expect(result.resultType, method).toBe('complete');
      expect(result._meta['io.modelcontextprotocol/serverInfo'].name, method).toBe('era-test');
      if (cacheable) {
        expect(result.ttlMs, method).toBeGreaterThanOrEqual(0);
        expect(['public', 'private'], method).toContain(result.cacheScope);
      } else {
        expect(result, method).not.toHaveProperty('ttlMs');
        expect(result, method).not.toHaveProperty('cacheScope');
      }
    }
  });

  it('answers an unknown resource with -32602 and its uri', async () => {
    const { url } = await start();
    const { body, headers } = modern('resources/read', { uri: 'test://nope' });
    const answer = (await post(url, body, headers)).json();
    expect(answer.error).toMatchObject({ code: -32602, data: { uri: 'test://nope' } });
  });

  it('stops the upstream call when the client closes the response (cancellation)', async () => {
    const { url } = await start({}, 2_000);
    const { body, headers } = modern('tools/call', { name: 'slow-things', arguments: {} });
    const closed = new Promise<void>((resolve) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      });
      req.on('error', () => resolve());
      req.end(JSON.stringify(body));
      // Once the upstream has the request, the client goes away.
      const poll = setInterval(() => {
        if (slow.requests.length > 0) {
          clearInterval(poll);
          req.destroy();
          resolve();
        }
      }, 10);
    });
    await closed;
    // The engine aborts its upstream exchange: the upstream sees its socket close long before
    // the 2 s it would take to answer.
    expect(abandoned).toBe(0);
    await expect.poll(() => abandoned, { timeout: 1_000, interval: 20 }).toBe(1);
    const { body: again, headers: h } = modern('tools/list');
    expect((await post(url, again, h)).status).toBe(200);
  });
});

describe('2025-11-25 beside 2026-07-28 on the same endpoint', () => {
  it('keeps sessions, negotiation and undecorated results for initialize', async () => {
    const { url } = await start();
    const init = await post(url, initializeMessage(1, '2025-06-18'));
    expect(init.status).toBe(200);
    const session = init.headers['mcp-session-id'] as string;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    expect(init.json().result).toMatchObject({
      protocolVersion: '2025-06-18',
      serverInfo: { name: 'era-test' },
      capabilities: { tools: {}, resources: { subscribe: true }, logging: {} },
    });
    const list = await post(
      url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
    );
    expect(list.status).toBe(200);
    const result = list.json().result;
    expect(result.tools.map((t: { name: string }) => t.name)).toEqual(['hello', 'slow-things']);
    expect(result).not.toHaveProperty('resultType');
    expect(result).not.toHaveProperty('ttlMs');
    // A modern request on the same port at the same time needs no session.
    const { body, headers } = modern('tools/list');
    expect((await post(url, body, headers)).json().result.tools).toHaveLength(2);
    // An unknown version offered at initialize gets the latest legacy one.
    const other = await post(url, initializeMessage(1, '2000-01-01'));
    expect(other.json().result.protocolVersion).toBe('2025-11-25');
  });

  it('answers initialize without a session when stateless, and refuses GET with 405', async () => {
    const { url } = await start({ stateless: true });
    const init = await post(url, initializeMessage(1, '2025-11-25'));
    expect(init.status).toBe(200);
    expect(init.headers['mcp-session-id']).toBeUndefined();
    const { body, headers } = modern('tools/call', { name: 'hello', arguments: {} });
    expect((await post(url, body, headers)).json().result.resultType).toBe('complete');
    const get = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
  });
});
