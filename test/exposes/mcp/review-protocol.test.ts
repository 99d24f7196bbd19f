/**
 * Adversarial review of the engine's MCP transport (issue 13): one failing test per defect
 * found, each naming the behaviour expected and its source — the MCP TypeScript SDK v1 Streamable
 * HTTP server transport (`@modelcontextprotocol/sdk` 1.32.2, dist/esm/...), the v2 SDK's inbound
 * validation ladder as shipped in `@modelcontextprotocol/client` 2.4.0
 * (dist/src-CeKsbNLO.mjs), or docs/design/mcp-next.md. Real adapters on 127.0.0.1 port 0 and
 * the stdio transport over in-memory streams; no mocks.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAdapter } from '../../../src/exposes/adapter.js';
import { startMcpHttpAdapter } from '../../../src/exposes/mcp/mcp-http.js';
import type { McpHttpOptions } from '../../../src/exposes/mcp/mcp-http.js';
import { serveMcpStdio } from '../../../src/exposes/mcp/mcp-stdio.js';
import { closeMcp, load, mcpRuntime, upstream, yaml } from './helpers/mcp-client.js';
import {
  LEGACY_VERSION,
  envelope,
  initialize as openSession,
  initializeMessage,
  modernHeaders,
  send,
} from './helpers/raw-mcp.js';
import type { Answer, Json } from './helpers/raw-mcp.js';

let watched: string;
const running: RunningAdapter[] = [];

beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'naftiko-review-'));
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
      label: Review test
      description: Hostile and edge-case protocol traffic.
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
        namespace: review-test
        port: 3001
        description: Review test server.
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

/** How long the upstream takes to answer, in milliseconds. */
let delayMs = 0;

async function harness() {
  const slow = await upstream(async (_req, res) => {
    await new Promise((r) => setTimeout(r, delayMs));
    if (res.destroyed) return;
    res.setHeader('content-type', 'application/json');
    res.end('{"things":[1,2,3]}');
  });
  return mcpRuntime(await load({ text: capability(slow.url) }), { upstreams: { slow } });
}

async function start(options: McpHttpOptions = {}, delay = 0): Promise<RunningAdapter> {
  delayMs = delay;
  const { adapter, runtime } = await harness();
  const run = await startMcpHttpAdapter(adapter, runtime, { port: 0, ...options });
  running.push(run);
  return run;
}

/** The JSON-RPC messages of an answer, whether plain JSON or an event stream. */
function messagesOf(answer: Answer): Json[] {
  if (String(answer.headers['content-type']).startsWith('text/event-stream')) {
    return answer.body
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as Json)
      .flatMap((m: Json) => (Array.isArray(m) ? m : [m]));
  }
  const parsed = answer.json();
  return Array.isArray(parsed) ? parsed : [parsed];
}

const initialize = (url: string) => openSession(url, 'review');

const ping = (url: string, sid: string) =>
  send(url, 'POST', { jsonrpc: '2.0', id: 'p', method: 'ping' }, { 'mcp-session-id': sid });

describe('2025-11-25 sessions (SDK v1 Streamable HTTP transport parity)', () => {
  // DEFECT (high) mcp-http.ts:224 + :635 (at 8c9640b) — fastify exposes a HEAD route for every GET
  // route, and the handler sends every non-POST, non-GET method to deleteSession: a HEAD (a proxy's
  // probe, a link checker) ends the session. Expected: the session survives; the SDK answers any
  // method other than POST/GET/DELETE with 405 + `Allow: GET, POST, DELETE`
  // (sdk/dist/esm/server/webStandardStreamableHttp.js:185-194, handleUnsupportedRequest :443-459).
  it('a HEAD request does not end the session (405, as any method other than GET/POST/DELETE)', async () => {
    const { url } = await start();
    const { sid } = await initialize(url);
    const head = await send(url, 'HEAD', undefined, { 'mcp-session-id': sid });
    // Today: 200 and the session is gone (the next request is 404 -32001 Session not found).
    expect((await ping(url, sid)).status).toBe(200);
    expect(head.status).toBe(405);
  });

  // DEFECT (low) mcp-http.ts:635 — only GET/POST/DELETE are routed, so PUT/PATCH/OPTIONS get
  // fastify's 404 `{message, error, statusCode}` (not JSON-RPC). Expected: 405, JSON-RPC error
  // -32000, `Allow: GET, POST, DELETE` (webStandardStreamableHttp.js:443-459).
  it('PUT and OPTIONS are 405 with Allow and a JSON-RPC error body', async () => {
    const { url } = await start();
    for (const method of ['PUT', 'OPTIONS']) {
      const answer = await send(url, method, method === 'PUT' ? {} : undefined);
      expect(answer.status, method).toBe(405);
      expect(answer.headers['allow'], method).toBe('GET, POST, DELETE');
      expect(answer.json(), method).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    }
  });

  // DEFECT (medium) mcp-http.ts:519 + :549 — every request of a batch is registered in
  // `connection.inflight` with the batch's one shared Exchange, and cancelling any id aborts the
  // Exchange's single AbortController: `notifications/cancelled {requestId: 1}` also cancels
  // request 2 (both come back `isError`, "INTERNAL: Unexpected internal error"). Expected: only
  // the named request is cancelled — the SDK keeps one AbortController per request id
  // (sdk/dist/esm/shared/protocol.js:339 set, :178 get-and-abort).
  it('cancelling one request of a batch leaves its siblings running', async () => {
    const { url } = await start({}, 400);
    const { sid } = await initialize(url);
    const batch = send(
      url,
      'POST',
      [
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow-things' } },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow-things' } },
      ],
      { 'mcp-session-id': sid },
    );
    await new Promise((r) => setTimeout(r, 150));
    const cancel = await send(
      url,
      'POST',
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
      { 'mcp-session-id': sid },
    );
    expect(cancel.status).toBe(202);
    const second = messagesOf(await batch).find((m) => m.id === 2);
    expect(second?.result?.isError).not.toBe(true);
    expect(second?.result?.structuredContent).toEqual({ things: [1, 2, 3] });
  });

  // FIXED by 8c9640b (kept as a regression guard; it failed on 5829044). Was: DEFECT (medium)
  // mcp-http.ts legacy() — a batch has no size limit and its requests all run at
  // once (Promise.all): one POST under the body limit can start thousands of tools/call upstream
  // exchanges, past the per-request rate limit. Expected: 400 -32600 "Invalid Request: Batch must
  // not exceed 100 messages" (sdk/dist/esm/server/webStandardStreamableHttp.js:504-506,
  // MAX_BATCH_SIZE = 100 in sdk/dist/esm/server/requestBody.js:4).
  it('a batch of more than 100 messages is 400 -32600', async () => {
    const { url } = await start();
    const { sid } = await initialize(url);
    const batch = Array.from({ length: 101 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'ping',
    }));
    const answer = await send(url, 'POST', batch, { 'mcp-session-id': sid });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ error: { code: -32600 } });
  });

  // DEFECT (low) mcp-http.ts:555-617 (openStream, deleteSession, sessionOf) — GET and DELETE never
  // look at `MCP-Protocol-Version`: a DELETE naming a revision the server does not speak still ends
  // the session. Expected: 400 -32000 "Bad Request: Unsupported protocol version: …" and the
  // session kept, as for POST (webStandardStreamableHttp.js:236 GET, :721 DELETE,
  // validateProtocolVersion :774-781).
  it('GET and DELETE with an unsupported MCP-Protocol-Version are 400 -32000', async () => {
    const { url } = await start();
    const { sid } = await initialize(url);
    const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '1999-01-01' };
    const del = await send(url, 'DELETE', undefined, headers);
    expect((await ping(url, sid)).status).toBe(200);
    expect([del.status, del.json().error?.code]).toEqual([400, -32000]);
  });

  // DEFECT (low) mcp-http.ts:469 — `mcp-session-id` is only sent on the initialize answer.
  // Expected: every POST answer of a session carries it ("After initialization, always include
  // the session ID", webStandardStreamableHttp.js:279-281 SSE, :635-637 and :935-937 JSON).
  it('answers within a session carry its mcp-session-id header', async () => {
    const { url } = await start();
    const { sid } = await initialize(url);
    const answer = await send(
      url,
      'POST',
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { 'mcp-session-id': sid },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['mcp-session-id']).toBe(sid);
  });

  // DEFECT (low) mcp-http.ts:172 (dispatcher built with `subscriptions: true` whatever
  // `stateless` says) — a stateless server advertises `resources: {subscribe: true}` to
  // 2025-11-25 clients, yet has no GET stream, so `notifications/resources/updated` can never
  // reach them. Expected (docs/design/mcp-next.md §5.4): `subscribe` only when a static resource
  // exists "and the HTTP adapter is stateful, or modern".
  it('a stateless server does not promise resource subscriptions to 2025-11-25 clients', async () => {
    const { url } = await start({ stateless: true });
    const { answer } = await initialize(url);
    const init = messagesOf(answer)[0];
    expect(init.result.capabilities.resources).toBeDefined();
    expect(init.result.capabilities.resources.subscribe).toBeUndefined();
  });
});

describe('2026-07-28 requests (v2 SDK ladder and docs/design/mcp-next.md §5.3)', () => {
  // DEFECT (medium) era.ts:48 eraOf (arrays are always legacy) + mcp-http.ts:249/383 — a batch that
  // holds a modern (enveloped) request goes down the legacy path: stateful → 400 -32000
  // "Mcp-Session-Id header is required"; stateless → 400 -32000 "Unsupported protocol version
  // 2026-07-28", or, without the version header, served as legacy (200). Expected: 400 -32600
  // (docs/design/mcp-next.md §5.3 step 2 "a batch holding a modern request → 400 -32600 (SDK)";
  // v2 ladder rung `jsonrpc-shape`, client dist/src-CeKsbNLO.mjs:4606-4611: "batch arrays
  // containing a modern or invalid element are rejected before classification").
  it('a batch holding an enveloped request is 400 -32600, stateful or stateless', async () => {
    const batch = [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope() } }];
    const stateful = await start();
    const a = await send(stateful.url, 'POST', batch, modernHeaders('tools/list'));
    expect([a.status, a.json().error?.code]).toEqual([400, -32600]);
    const stateless = await start({ stateless: true });
    const b = await send(stateless.url, 'POST', batch, modernHeaders('tools/list'));
    expect([b.status, b.json().error?.code]).toEqual([400, -32600]);
    const c = await send(stateless.url, 'POST', batch);
    expect([c.status, c.json().error?.code]).toEqual([400, -32600]);
  });

  // DEFECT (low) mcp-http.ts:272-277 — the header checks run before the notification shortcut,
  // so an enveloped notification without `MCP-Protocol-Version`/`Mcp-Method` is 400 -32020.
  // Expected: 202 — v2 ladder rung `standard-header-validation`
  // (client dist/src-CeKsbNLO.mjs:4655): "Notification POSTs are exempt: the presence half runs on
  // requests only, so a modern-enveloped notification is dispatched even with no standard
  // headers at all."
  it('an enveloped notification without the standard headers is accepted (202)', async () => {
    const { url } = await start();
    const answer = await send(url, 'POST', {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 1, _meta: envelope() },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toBe('');
  });

  // DEFECT (low) era.ts:149-155 — `Mcp-Name` is required whenever the method is named, even when
  // the body's `params.name`/`params.uri` is not a string (a client cannot mirror it), so a
  // `tools/call` with `name: 42` is 400 -32020 "Mcp-Name header is required". Expected: no
  // `Mcp-Name` is required then and the body is left to params validation, answered in-band
  // (HTTP 200, -32602) — v2 `mcpNameSource` (client dist/src-CeKsbNLO.mjs:4735-4742: "the client
  // emits no header then, and the server leaves that body to the rungs further down the ladder")
  // and LADDER_ERROR_HTTP_STATUS (-32602 from dispatch is always in-band).
  it('a tools/call whose name is not a string is an in-band -32602, not a header mismatch', async () => {
    const { url } = await start();
    for (const [method, params] of [
      ['tools/call', { name: 42 }],
      ['resources/read', { uri: { a: 1 } }],
    ] as const) {
      const answer = await send(
        url,
        'POST',
        { jsonrpc: '2.0', id: 3, method, params: { ...params, _meta: envelope() } },
        modernHeaders(method),
      );
      expect(answer.status, method).toBe(200);
      expect(answer.json(), method).toMatchObject({ id: 3, error: { code: -32602 } });
    }
  });

  // DEFECT (low) era.ts:129 + :149 — `NAMED` is a plain object literal read with `NAMED[method]`,
  // so a method named after an Object.prototype member (`toString`, `constructor`, `__proto__`)
  // finds an inherited value and demands an `Mcp-Name` header: 400 -32020. Expected: 404 -32601
  // (unknown method, §5.3 f) — the v2 SDK guards this lookup with `Object.hasOwn`
  // (client dist/src-CeKsbNLO.mjs:4736, "peer-supplied … guarded against Object.prototype
  // collisions").
  it('a method named like an Object.prototype member is 404 -32601', async () => {
    const { url } = await start();
    for (const method of ['toString', 'constructor', '__proto__']) {
      const answer = await send(
        url,
        'POST',
        { jsonrpc: '2.0', id: 5, method, params: { _meta: envelope() } },
        modernHeaders(method),
      );
      expect(answer.status, method).toBe(404);
      expect(answer.json(), method).toMatchObject({ id: 5, error: { code: -32601 } });
    }
  });

  // DEFECT (low) era.ts:84-125 checkEnvelope — only protocolVersion and clientCapabilities are
  // typed; an ill-typed optional envelope key (`logLevel: "loud"`, `progressToken: {…}`,
  // `clientInfo: "x"`) is silently ignored and the request served (200). Expected: 400 -32602
  // naming the key — v2 RequestMetaEnvelopeSchema (client dist/src-CeKsbNLO.mjs:2792-2798:
  // progressToken string|number, clientInfo Implementation, logLevel LoggingLevel) and ladder
  // rung `envelope` ("A present envelope claim with a malformed envelope … is an invalid-params
  // rejection naming the offending or missing key(s)").
  it('an ill-typed optional envelope key is 400 -32602', async () => {
    const { url } = await start();
    const cases: Record<string, unknown>[] = [
      { 'io.modelcontextprotocol/logLevel': 'loud' },
      { progressToken: { a: 1 } },
      { 'io.modelcontextprotocol/clientInfo': 'x' },
    ];
    for (const extra of cases) {
      const answer = await send(
        url,
        'POST',
        { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: envelope(extra) } },
        modernHeaders('tools/list'),
      );
      const label = JSON.stringify(extra);
      expect(answer.status, label).toBe(400);
      expect(answer.json(), label).toMatchObject({ id: 4, error: { code: -32602 } });
    }
  });
});

describe('stdio', () => {
  /** A stdio server over in-memory streams: its input and the messages it wrote. */
  async function stdio() {
    const { adapter, runtime } = await harness();
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    running.push(await serveMcpStdio(adapter, runtime, { stdin, stdout }));
    const lines: Json[] = [];
    createInterface({ input: stdout }).on('line', (l) => lines.push(JSON.parse(l) as Json));
    return { stdin, lines };
  }

  // DEFECT (low) mcp-stdio.ts:107-111 + :151 (run) — `notifications/cancelled` aborts the call
  // but its response is still written, as a tool error reading "INTERNAL: Unexpected internal
  // error" (the same on HTTP, mcp-http.ts:549 + exchange.ts "its answer still goes"). Expected:
  // no response for a cancelled request — MCP 2025-11-25 basic/utilities/cancellation
  // ("receivers SHOULD … not send a response for the cancelled request"); the SDK drops it
  // (sdk/dist/esm/shared/protocol.js:397-399 and :418-420, `if (abortController.signal.aborted)
  // return;`).
  it('a cancelled request gets no response', async () => {
    delayMs = 400;
    const { stdin, lines } = await stdio();
    const write = (m: unknown) => stdin.write(`${JSON.stringify(m)}\n`);
    write(initializeMessage(1, LEGACY_VERSION, 'r'));
    await expect.poll(() => lines.some((l) => l.id === 1)).toBe(true);
    write({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'slow-things' } });
    await new Promise((r) => setTimeout(r, 100));
    write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } });
    // A sentinel request answered after the slow call would have finished.
    await new Promise((r) => setTimeout(r, 600));
    write({ jsonrpc: '2.0', id: 6, method: 'ping' });
    await expect.poll(() => lines.some((l) => l.id === 6)).toBe(true);
    expect(lines.filter((l) => l.id === 5)).toEqual([]);
  });

  // FIXED by 8c9640b (stdio now refuses every batch line with -32600; kept as a regression guard,
  // it failed on 5829044). Was: DEFECT (medium: a request that never gets its answer) — a batch
  // line was answered only once every element has answered, and a `subscriptions/listen` element
  // never does until it is cancelled or the server stops: the `tools/list` beside it hangs.
  // Expected: a batch holding modern requests is refused with -32600 (the element-wise batch rule
  // of the v2 ladder, client dist/src-CeKsbNLO.mjs:4606-4611; §5.3 step 2), or at the very least
  // the other requests are answered.
  it('a batch holding a subscriptions/listen does not withhold the other answers', async () => {
    const { stdin, lines } = await stdio();
    stdin.write(
      `${JSON.stringify([
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'subscriptions/listen',
          params: { notifications: {}, _meta: envelope() },
        },
        { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: envelope() } },
      ])}\n`,
    );
    const answered = (l: Json) =>
      (Array.isArray(l) ? l : [l]).some(
        (m: Json) => m.id === 2 || (m.id === null && m.error?.code === -32600),
      );
    await expect.poll(() => lines.some(answered), { timeout: 1_500 }).toBe(true);
  });
});
