/**
 * Bad input to every surface (issue 11, "Prove it"), through a real `naftiko run` subprocess in
 * front of a recording upstream on 127.0.0.1: malformed and mistyped JSON bodies, oversized
 * bodies, URLs and headers, CRLF and NUL (raw and percent-encoded) in query and path parameters,
 * `..`, `%2e%2e` and `%2F` in path parameters, huge JSON-RPC batches, unknown MCP methods,
 * malformed JSON-RPC, mistyped tool arguments, and garbage on stdio.
 *
 * Each case pins: a 4xx (REST: problem+json with a stable `code`; MCP: a JSON-RPC error object,
 * or an HTTP 4xx carrying one, or a tool error result), no secret echoed, and NOTHING received by
 * the upstream for that case. After all of them the engine still answers a valid request.
 *
 * Raw requests go over a plain TCP socket (node:net) wherever fetch or node:http would normalise
 * or refuse the input client-side (CRLF, NUL, `..`, oversized heads).
 *
 * stdio: the MCP SDK's StdioServerTransport (1.x) reads newline-delimited JSON-RPC; a line that
 * is not JSON, or not a JSON-RPC message, is reported to the server's `onerror` (our engine logs
 * it to stderr) and skipped: no reply is written for it (a JSON-RPC -32700 reply needs an id the
 * garbage does not have) and the process does not exit. A valid `initialize` after the garbage is
 * answered normally, and stdout carries nothing but JSON-RPC messages. That is what is pinned.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream } from '../consumes/http/helpers/upstream.js';
import type { Upstream } from '../consumes/http/helpers/upstream.js';
import { CLI_MAIN } from '../helpers/cli.js';
import { ensureBuilt, startCapability, stopAllCapabilities } from '../helpers/run-capability.js';
import type { RunningCapability } from '../helpers/run-capability.js';
import { CONSUMES_NS, MCP_NS, REST_NS, RESOURCE, SEED } from '../e2e/support.js';

const SECRET = 'bad-input-secret-9c41e7';

/** A capability with a path parameter (the seed has none): GET /v1/items/{id} → /v2/items/{id}. */
const PATH_CAPABILITY = `naftiko: 1.0.0-alpha2
info:
  label: Items
  description: One path-parameter operation, for the bad-input tests.
binds:
- namespace: env
  keys:
    GONG_API_KEY: GONG_API_KEY
capability:
  consumes:
  - type: http
    namespace: items-up
    baseUri: http://127.0.0.1:9/v2
    description: The upstream.
    resources:
    - name: items
      path: /items/{{id}}
      operations:
      - name: get-item
        method: GET
        outputRawFormat: json
        inputParameters:
        - name: id
          in: path
    authentication:
      type: bearer
      token: '{{env.GONG_API_KEY}}'
  exposes:
  - type: rest
    namespace: items-rest
    port: 8081
    resources:
    - path: /v1/items/{id}
      name: item
      description: One item.
      operations:
      - method: GET
        name: get-item
        call: items-up.get-item
        inputParameters:
        - name: id
          in: path
          type: string
          description: Item id.
  - type: mcp
    namespace: items-mcp
    port: 9091
    transport: http
    description: One item by id, over MCP.
    tools:
    - name: get-item
      description: One item.
      call: items-up.get-item
      with:
        id: tools.id
`;

/** Every adapter on the loopback interface only. */
const LOOPBACK = ['--address', '*=127.0.0.1'];

let upstream: Upstream;
let seed: RunningCapability;
let items: RunningCapability;
let restUrl: string;
let mcpUrl: string;
let itemsUrl: string;
let itemsMcpUrl: string;
let tmp: string;

beforeAll(async () => {
  ensureBuilt();
  upstream = await startUpstream();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'naftiko-bad-input-'));
  const itemsSpec = path.join(tmp, 'items.yaml');
  writeFileSync(itemsSpec, PATH_CAPABILITY);
  [seed, items] = await Promise.all([
    startCapability(SEED, [...LOOPBACK, '--base-uri', `${CONSUMES_NS}=${upstream.url}/v2`], {
      GONG_API_KEY: SECRET,
    }),
    startCapability(itemsSpec, [...LOOPBACK, '--base-uri', `items-up=${upstream.url}/v2`], {
      GONG_API_KEY: SECRET,
    }),
  ]);
  restUrl = must(seed.urls.get(REST_NS));
  mcpUrl = must(seed.urls.get(MCP_NS));
  itemsUrl = must(items.urls.get('items-rest'));
  itemsMcpUrl = must(items.urls.get('items-mcp'));
}, 120_000);

afterAll(async () => {
  await stopAllCapabilities();
  await upstream?.close();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('missing value');
  return value;
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP over a socket

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly json: unknown;
}

/**
 * Writes `head` (request line and headers, without the final blank line) and `body` as they are
 * on a fresh connection, and reads the response until the server closes it (`connection: close`
 * is added). Rejects when nothing comes back within 10 s.
 */
function rawRequest(base: string, head: string, body: Buffer | string = ''): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: hostname === 'localhost' ? '127.0.0.1' : hostname,
      port: Number(port),
    });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      if (chunks.length === 0) return reject(err ?? new Error('the connection closed unanswered'));
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (parseErr) {
        reject(parseErr as Error);
      }
    };
    socket.setTimeout(10_000, () => socket.destroy(new Error('no response within 10 s')));
    socket.on('connect', () => {
      socket.write(`${head}\r\nconnection: close\r\n\r\n`);
      // A large body waits a moment: a server that refuses it from the head alone answers and
      // closes, and writing into that closed socket would lose its answer (EPIPE).
      if (body.length > 65_536) setTimeout(() => void writeBody(Buffer.from(body)), 200);
      else void writeBody(Buffer.from(body));
    });
    // A server that refuses a body answers early and closes: stop writing once it answered.
    const writeBody = async (data: Buffer) => {
      for (let at = 0; at < data.length && chunks.length === 0 && !socket.destroyed; at += 65_536) {
        if (!socket.write(data.subarray(at, at + 65_536))) {
          await new Promise((resolve) => {
            socket.once('drain', resolve);
            socket.once('close', resolve);
          });
        }
      }
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may reset the connection after answering (a refused head or body): EPIPE or
    // ECONNRESET then, with the answer already read.
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish());
  });
}

function parseResponse(data: Buffer): RawResponse {
  const text = data.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = data.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  const bodyText = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    json = undefined;
  }
  return { status, headers, text: bodyText, json };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function hostOf(base: string): string {
  return new URL(base).host;
}

/** A raw request with a Host header and, for a body, Content-Length and Content-Type. */
function send(
  base: string,
  method: string,
  target: string,
  options: { body?: string | Buffer; type?: string; headers?: string[] } = {},
): Promise<RawResponse> {
  const head = [
    `${method} ${target} HTTP/1.1`,
    `host: ${hostOf(base)}`,
    ...(options.headers ?? []),
  ];
  if (options.body !== undefined) {
    head.push(`content-type: ${options.type ?? 'application/json'}`);
    head.push(`content-length: ${Buffer.byteLength(options.body)}`);
  }
  return rawRequest(base, head.join('\r\n'), options.body ?? '');
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** Runs a case and asserts the upstream received nothing while it ran. */
async function nothingUpstream<T>(run: () => Promise<T>): Promise<T> {
  const before = upstream.requests.length;
  const connections = upstream.connections();
  const result = await run();
  // A request that slipped through would be on the wire by now; give it a moment to land.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(upstream.requests.slice(before), 'requests that reached the upstream').toEqual([]);
  expect(upstream.connections() - connections, 'new upstream connections').toBe(0);
  return result;
}

function expectNoSecret(res: { text: string; headers: Record<string, string> }): void {
  expect(res.text).not.toContain(SECRET);
  expect(JSON.stringify(res.headers)).not.toContain(SECRET);
}

/** A problem+json 4xx with this status and code. */
function expectProblem(res: RawResponse, status: number, code: string): void {
  expect(
    { status: res.status, code: (res.json as { code?: string } | undefined)?.code },
    res.text,
  ).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json\b/);
  expect(res.json).toMatchObject({
    status,
    code,
    title: expect.any(String),
    detail: expect.any(String),
  });
  expectNoSecret(res);
}

/** A REST case: sent raw, refused with this status and code, nothing upstream. */
async function refused(
  base: string,
  method: string,
  target: string,
  status: number,
  code: string,
  options: { body?: string | Buffer; type?: string; headers?: string[] } = {},
): Promise<RawResponse> {
  const res = await nothingUpstream(() => send(base, method, target, options));
  expectProblem(res, status, code);
  return res;
}

// ---------------------------------------------------------------------------------------------
// REST

describe('REST: bad input is a clean 4xx, nothing sent upstream', () => {
  it('a valid request reaches the upstream (the recorder works)', async () => {
    const before = upstream.requests.length;
    const res = await send(restUrl, 'GET', RESOURCE);
    expect(res.status).toBe(200);
    expect(upstream.requests.length).toBe(before + 1);
    expect(upstream.last().headers.authorization).toBe(`Bearer ${SECRET}`);
    const item = await send(itemsUrl, 'GET', '/v1/items/abc');
    expect(item.status).toBe(200);
    expect(upstream.last().path).toBe('/v2/items/abc');
  });

  it('malformed JSON bodies on PUT → 400 BODY_INVALID', async () => {
    for (const body of ['{', '{"name": }', '[1,2', '{"a":1}}', 'nul', '\u0000', '{"a":"\\x"}']) {
      await refused(restUrl, 'PUT', RESOURCE, 400, 'BODY_INVALID', { body });
    }
    // Declared JSON, not UTF-8 text.
    await refused(restUrl, 'PUT', RESOURCE, 400, 'BODY_INVALID', {
      body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    });
  });

  it('wrong JSON types → 400 INPUT_INVALID naming the input', async () => {
    // `body` is a required object.
    for (const body of ['[1,2]', '"text"', '42', 'true', 'null', '']) {
      const res = await refused(restUrl, 'PUT', RESOURCE, 400, 'INPUT_INVALID', { body });
      expect(res.text).toContain('body');
    }
    // Not JSON at all: a text/plain body is a string, not an object. (A text/plain body that
    // reads as a JSON object is taken as one: object inputs accept JSON text, by design.)
    await refused(restUrl, 'PUT', RESOURCE, 400, 'INPUT_INVALID', {
      body: 'name=x',
      type: 'text/plain',
    });
    // `integrationId` is a string: repeated, it is an array.
    const repeated = await refused(
      restUrl,
      'DELETE',
      `${RESOURCE}?integrationId=a&integrationId=b`,
      400,
      'INPUT_INVALID',
    );
    expect(repeated.text).toContain('integrationId');
    // Required and missing or empty.
    await refused(restUrl, 'DELETE', RESOURCE, 400, 'INPUT_INVALID');
    await refused(restUrl, 'DELETE', `${RESOURCE}?integrationId=`, 400, 'INPUT_INVALID');
  });

  it('a Content-Type that is not a media type → 400 BODY_INVALID (was a 500 INTERNAL)', async () => {
    for (const type of ['" + x + "', 'json', '', 'application/', '/json', 'a b/c', 'a/b c']) {
      await refused(restUrl, 'PUT', RESOURCE, 400, 'BODY_INVALID', { body: '{"a":1}', type });
    }
    await refused(restUrl, 'DELETE', `${RESOURCE}?integrationId=x`, 400, 'BODY_INVALID', {
      body: '',
      type: 'nonsense',
    });
    // A control character in the header: Node itself cannot parse the request.
    await refused(restUrl, 'PUT', RESOURCE, 400, 'INPUT_INVALID', {
      body: '{"a":1}',
      type: 'text/plain\u0001',
    });
  });

  it('a body over 1 MiB → 413 BODY_TOO_LARGE (declared length and chunked)', async () => {
    const big = `{"name":"${'x'.repeat(1024 * 1024 + 1)}"}`;
    await refused(restUrl, 'PUT', RESOURCE, 413, 'BODY_TOO_LARGE', { body: big });
    // No Content-Length: counted while reading.
    const res = await nothingUpstream(() => {
      const head = [
        `PUT ${RESOURCE} HTTP/1.1`,
        `host: ${hostOf(restUrl)}`,
        'content-type: application/json',
        'transfer-encoding: chunked',
      ].join('\r\n');
      const size = Buffer.byteLength(big).toString(16);
      return rawRequest(restUrl, head, `${size}\r\n${big}\r\n0\r\n\r\n`);
    });
    expectProblem(res, 413, 'BODY_TOO_LARGE');
  });

  it('a URL over 8 KiB → 414 URI_TOO_LONG, the URL not quoted back', async () => {
    const value = `${SECRET}${'a'.repeat(9000)}`;
    const res = await refused(
      restUrl,
      'DELETE',
      `${RESOURCE}?integrationId=${value}`,
      414,
      'URI_TOO_LONG',
    );
    expect(res.text).not.toContain('aaaaaaaa');
    await refused(itemsUrl, 'GET', `/v1/items/${'b'.repeat(9000)}`, 414, 'URI_TOO_LONG');
  });

  it('headers over 16 KiB → 431 HEADERS_TOO_LARGE', async () => {
    await refused(restUrl, 'GET', RESOURCE, 431, 'HEADERS_TOO_LARGE', {
      headers: [`x-filler: ${SECRET}${'h'.repeat(17 * 1024)}`],
    });
    // Many small headers add up too.
    await refused(restUrl, 'GET', RESOURCE, 431, 'HEADERS_TOO_LARGE', {
      headers: Array.from({ length: 400 }, (_, i) => `x-h${i}: ${'v'.repeat(50)}`),
    });
  });

  it('raw CR, LF and NUL in the request line → 400 INPUT_INVALID (the request cannot be parsed)', async () => {
    for (const target of [
      `${RESOURCE}?integrationId=a\rb`,
      `${RESOURCE}?integrationId=a\u0000b`,
      `/v1/items/a\u0000b`,
      `/v1/items/a\rb`,
    ]) {
      const base = target.startsWith('/v1/items') ? itemsUrl : restUrl;
      await refused(base, 'GET', target, 400, 'INPUT_INVALID');
    }
    // A bare LF ends the request line early: what follows is a malformed header line.
    await refused(restUrl, 'DELETE', `${RESOURCE}?integrationId=a\nb`, 400, 'INPUT_INVALID');
  });

  it('raw CRLF in the request target ends the request line: no parameter ever holds it', async () => {
    // `DELETE /v1/crm/integrations?integrationId=a` + CRLF + `x-injected: 1 HTTP/1.1`: on the wire
    // this IS a request line (Node accepts a line without a version) and one header, sent by the
    // client itself. The engine sees integrationId=a and an undeclared header it does not forward.
    const before = upstream.requests.length;
    const res = await send(restUrl, 'DELETE', `${RESOURCE}?integrationId=a\r\nx-injected: 1`);
    expect(res.status, res.text).toBe(200);
    const sent = upstream.requests.slice(before);
    expect(sent.map((r) => r.url)).toEqual(['/v2/crm/integrations?integrationId=a']);
    expect(sent[0]?.headers['x-injected']).toBeUndefined();
  });

  it('percent-encoded CR, LF and NUL in a query parameter → 400 INPUT_INVALID', async () => {
    for (const value of ['a%0d%0ab', 'a%0Db', 'a%0Ab', 'a%00b', '%0d%0aX-Injected:%201']) {
      const res = await refused(
        restUrl,
        'DELETE',
        `${RESOURCE}?integrationId=${value}`,
        400,
        'INPUT_INVALID',
      );
      expect(res.text).toContain('integrationId');
    }
    // An optional parameter too.
    await refused(
      restUrl,
      'DELETE',
      `${RESOURCE}?integrationId=ok&clientRequestId=a%00b`,
      400,
      'INPUT_INVALID',
    );
  });

  it('percent-encoded CR, LF and NUL in a path parameter → 400 INPUT_INVALID', async () => {
    for (const value of ['a%0d%0ab', 'a%0Db', 'a%0Ab', 'a%00b']) {
      const res = await refused(itemsUrl, 'GET', `/v1/items/${value}`, 400, 'INPUT_INVALID');
      expect(res.text).toContain('id');
    }
  });

  it('`..`, `%2e%2e` and `%2F` in a path parameter never reach the upstream', async () => {
    // Dot segments: a path parameter that is `.` or `..` would make the upstream path climb.
    for (const value of ['..', '.', '%2e%2e', '%2E%2E', '.%2e', '%2e']) {
      await refused(itemsUrl, 'GET', `/v1/items/${value}`, 400, 'INPUT_INVALID');
    }
    // An encoded slash decodes into the parameter: a value whose `/`- or `\`-separated pieces
    // include a dot segment is refused.
    for (const value of [
      '..%2F..%2Fadmin',
      '..%5Cadmin',
      '%2e%2e%2fsecret',
      'a%2F..',
      'a%2F.%2Fb',
    ]) {
      await refused(itemsUrl, 'GET', `/v1/items/${value}`, 400, 'INPUT_INVALID');
    }
    // Any other encoded slash stays inside its one segment upstream (ids like `group%2Fproject`
    // are legitimate): re-encoded, never a new path segment.
    for (const [value, upstreamPath] of [
      ['a%2Fb', '/v2/items/a%2Fb'],
      ['%2F', '/v2/items/%2F'],
      ['a%5Cb', '/v2/items/a%5Cb'],
      ['..a', '/v2/items/..a'],
    ] as const) {
      const before = upstream.requests.length;
      const res = await send(itemsUrl, 'GET', `/v1/items/${value}`);
      expect(res.status, res.text).toBe(200);
      expect(upstream.requests.slice(before).map((r) => r.path)).toEqual([upstreamPath]);
    }
    // A literal `..` segment in the request path: no route (or normalised away), never upstream.
    for (const target of ['/v1/items/../items/x', '/v1/items/a/..', '/v1/../v1/items/x']) {
      const res = await nothingUpstream(() => send(itemsUrl, 'GET', target));
      expect(res.status, `${target}: ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${target}: ${res.text}`).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json\b/);
      expectNoSecret(res);
    }
  });

  it('a malformed percent-encoding in the path → 400 INPUT_INVALID, the URL not quoted back', async () => {
    // (In a query value a stray `%` is read literally, as browsers and fastify's parser do, and
    // is sent upstream re-encoded as %25: not bad input.)
    const res = await refused(itemsUrl, 'GET', `/v1/items/%E0%A4%A`, 400, 'INPUT_INVALID');
    expect(res.text).not.toContain('%E0');
  });
});

// ---------------------------------------------------------------------------------------------
// MCP over Streamable HTTP

interface RpcResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  /** Every JSON-RPC message of the answer (a JSON body, or the data of SSE events). */
  readonly messages: Record<string, unknown>[];
}

async function rpc(
  body: string,
  sessionId?: string,
  contentType = 'application/json',
  url = mcpUrl,
): Promise<RpcResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(sessionId !== undefined ? { 'mcp-session-id': sessionId } : {}),
    },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  const headers = Object.fromEntries(response.headers.entries());
  const messages: Record<string, unknown>[] = [];
  const parse = (t: string) => {
    const value = JSON.parse(t) as unknown;
    for (const m of Array.isArray(value) ? value : [value])
      messages.push(m as Record<string, unknown>);
  };
  if ((headers['content-type'] ?? '').startsWith('text/event-stream')) {
    for (const line of text.split('\n')) if (line.startsWith('data: ')) parse(line.slice(6));
  } else if (text !== '') {
    parse(text);
  }
  return { status: response.status, headers, text, messages };
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'bad-input', version: '1.0.0' },
  },
};

async function openSession(url = mcpUrl): Promise<string> {
  const init = await rpc(JSON.stringify(INITIALIZE), undefined, 'application/json', url);
  expect(init.status, init.text).toBe(200);
  const id = must(init.headers['mcp-session-id']);
  const note = await rpc(
    JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    id,
    'application/json',
    url,
  );
  expect(note.status).toBe(202);
  return id;
}

function rpcErrorOf(res: RpcResponse): { code: number; message: string } {
  const error = res.messages[0]?.error as { code: number; message: string } | undefined;
  expect(error, res.text).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
  expect(res.text).not.toContain(SECRET);
  return must(error);
}

const call = (id: number, name: string, args?: unknown) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, ...(args !== undefined ? { arguments: args } : {}) },
});

describe('MCP over HTTP: bad input is a JSON-RPC error, nothing sent upstream', () => {
  let session: string;
  beforeAll(async () => {
    session = await openSession();
  });

  it('a valid tool call reaches the upstream (the recorder works)', async () => {
    const before = upstream.requests.length;
    const res = await rpc(JSON.stringify(call(1, 'gong-get-crm-integration-details', {})), session);
    expect(res.status).toBe(200);
    expect(res.messages[0]?.result).toMatchObject({ content: expect.any(Array) });
    expect((res.messages[0]?.result as { isError?: boolean }).isError).toBeFalsy();
    expect(upstream.requests.length).toBe(before + 1);
  });

  it('malformed JSON → HTTP 400 with JSON-RPC -32700', async () => {
    for (const body of ['{', '{"jsonrpc":"2.0",', 'not json', '\u0000', '']) {
      const res = await nothingUpstream(() => rpc(body, session));
      expect(res.status, res.text).toBe(400);
      expect(rpcErrorOf(res).code).toBe(-32700);
    }
  });

  it('JSON that is not a JSON-RPC message → HTTP 400 with a JSON-RPC error', async () => {
    // `[]`: an empty batch (JSON-RPC 2.0 §6: one Invalid Request error); was 202 from the SDK.
    for (const body of ['42', '"text"', '{}', '{"jsonrpc":"1.0","id":1,"method":"ping"}', '[]']) {
      const res = await nothingUpstream(() => rpc(body, session));
      expect(res.status, `${body}: ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${body}: ${res.text}`).toBeLessThan(500);
      expect([-32700, -32600]).toContain(rpcErrorOf(res).code);
    }
  });

  it('a body that is not JSON by its content type → HTTP 415 with a JSON-RPC error', async () => {
    const res = await nothingUpstream(() =>
      rpc(JSON.stringify(call(1, 'gong-get-crm-integration-details', {})), session, 'text/plain'),
    );
    expect(res.status).toBe(415);
    rpcErrorOf(res);
  });

  it('an unknown method → -32601', async () => {
    for (const method of ['tools/explode', 'no/such/method', '', 'rpc.discover']) {
      const res = await nothingUpstream(() =>
        rpc(JSON.stringify({ jsonrpc: '2.0', id: 7, method }), session),
      );
      expect(res.status, res.text).toBeLessThan(500);
      const error = rpcErrorOf(res);
      expect(error.code, `${method}: ${res.text}`).toBe(-32601);
      expect(res.messages[0]?.id).toBe(7);
    }
  });

  it('wrong params types to tools/call → an error, never an upstream call', async () => {
    // Tool errors (isError results) for arguments of the wrong type or missing.
    for (const args of [
      { integrationId: 42 },
      { integrationId: ['a'] },
      { integrationId: { nested: true } },
      { integrationId: null },
      {},
      { integrationId: 'ok', clientRequestId: 7 },
    ]) {
      const res = await nothingUpstream(() =>
        rpc(JSON.stringify(call(3, 'gong-delete-crm-integration', args)), session),
      );
      expect(res.status, res.text).toBe(200);
      const message = must(res.messages[0]);
      const result = message.result as
        { isError?: boolean; content?: { text: string }[] } | undefined;
      if (result !== undefined) {
        expect(result.isError, res.text).toBe(true);
      } else {
        rpcErrorOf(res);
      }
      expect(res.text).not.toContain(SECRET);
    }
    // The body must be an object.
    for (const body of ['text', [1, 2], 42]) {
      const res = await nothingUpstream(() =>
        rpc(JSON.stringify(call(4, 'gong-register-crm-integration', { body })), session),
      );
      const result = res.messages[0]?.result as { isError?: boolean } | undefined;
      if (result !== undefined) expect(result.isError, res.text).toBe(true);
      else rpcErrorOf(res);
    }
    // Malformed params: a JSON-RPC error (-32602 invalid params, or -32603).
    for (const params of [
      'text',
      [1, 2],
      { name: 42 },
      { name: 'gong-delete-crm-integration', arguments: 'integrationId=a' },
      { name: 'gong-delete-crm-integration', arguments: [1] },
      { name: 'no-such-tool', arguments: {} },
    ]) {
      const res = await nothingUpstream(() =>
        rpc(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params }), session),
      );
      expect(res.status, res.text).toBeLessThan(500);
      const message = must(res.messages[0]);
      if (message.error !== undefined) {
        // -32700 is the SDK's answer to a message its JSON-RPC schema refuses (params "text").
        expect([-32700, -32602, -32600, -32603]).toContain(rpcErrorOf(res).code);
      } else {
        expect((message.result as { isError?: boolean }).isError, res.text).toBe(true);
      }
    }
  });

  it('CR, LF and NUL in tool arguments never reach the upstream', async () => {
    for (const integrationId of ['a\r\nb', 'a\u0000b', '\r\nX-Injected: 1']) {
      const res = await nothingUpstream(() =>
        rpc(JSON.stringify(call(6, 'gong-delete-crm-integration', { integrationId })), session),
      );
      const result = res.messages[0]?.result as { isError?: boolean } | undefined;
      if (result !== undefined) expect(result.isError, res.text).toBe(true);
      else rpcErrorOf(res);
    }
  });

  it('a tool argument that feeds a path placeholder: a plain value reaches the upstream', async () => {
    const session = await openSession(itemsMcpUrl);
    const before = upstream.requests.length;
    const ok = await rpc(
      JSON.stringify(call(1, 'get-item', { id: 'x-1' })),
      session,
      undefined,
      itemsMcpUrl,
    );
    expect((ok.messages[0]?.result as { isError?: boolean }).isError, ok.text).toBeFalsy();
    expect(upstream.requests.slice(before).map((r) => r.path)).toEqual(['/v2/items/x-1']);
  });

  // Found here: a tool argument that feeds a path placeholder was placed as it was,
  // percent-encoded: `..` and `.` became dot segments (GET /v2/items/.. — an upstream or proxy
  // that normalises it serves /v2, with the engine's credentials), and CR/LF/NUL went out as
  // %0D%0A/%00. request-url.ts now refuses such placeholder values, whoever feeds them.
  it('a `..` tool argument that feeds a path placeholder never reaches the upstream', async () => {
    const session = await openSession(itemsMcpUrl);
    for (const id of ['..', '.']) {
      const res = await nothingUpstream(() =>
        rpc(JSON.stringify(call(3, 'get-item', { id })), session, undefined, itemsMcpUrl),
      );
      expect(res.messages[0]?.result, res.text).toMatchObject({ isError: true });
    }
  });

  it('CR, LF or NUL in a tool argument that feeds a path placeholder never reaches the upstream', async () => {
    const session = await openSession(itemsMcpUrl);
    for (const id of ['a\r\nb', 'a\u0000b']) {
      const res = await nothingUpstream(() =>
        rpc(JSON.stringify(call(2, 'get-item', { id })), session, undefined, itemsMcpUrl),
      );
      expect(res.messages[0]?.result, res.text).toMatchObject({ isError: true });
    }
  });

  it('a JSON-RPC batch of 10,000 calls is refused (nothing runs), and the engine stays up', async () => {
    const batch = Array.from({ length: 10_000 }, (_, i) =>
      call(i, 'gong-get-crm-integration-details'),
    );
    const res = await nothingUpstream(() => rpc(JSON.stringify(batch), session));
    // 400 -32600 from the SDK's batch bound (100 messages), or 413 past the 1 MiB body limit.
    expect([400, 413], res.text).toContain(res.status);
    rpcErrorOf(res);
    // Just past the bound: still refused whole, nothing runs.
    const over = await nothingUpstream(() => rpc(JSON.stringify(batch.slice(0, 101)), session));
    expect(over.status, over.text).toBe(400);
    expect(rpcErrorOf(over).code).toBe(-32600);
    // Not initialized: a batch without a session is refused too.
    const anonymous = await nothingUpstream(() => rpc(JSON.stringify(batch.slice(0, 5000))));
    expect(anonymous.status).toBeGreaterThanOrEqual(400);
    expect(anonymous.status).toBeLessThan(500);
    rpcErrorOf(anonymous);
    const ping = await rpc(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }), session);
    expect(ping.messages[0]).toMatchObject({ id: 9, result: {} });
  });

  it('limits on the MCP adapter answer in JSON-RPC: 413, 414, 431', async () => {
    const big = JSON.stringify(
      call(1, 'gong-register-crm-integration', { body: { x: 'y'.repeat(1024 * 1024) } }),
    );
    const tooBig = await nothingUpstream(() => rpc(big, session));
    expect(tooBig.status).toBe(413);
    rpcErrorOf(tooBig);
    const path = new URL(mcpUrl).pathname;
    const longUrl = await nothingUpstream(() =>
      send(mcpUrl, 'POST', `${path}?${'q'.repeat(9000)}`, { body: '{}' }),
    );
    expect(longUrl.status).toBe(414);
    expect(longUrl.json).toMatchObject({
      jsonrpc: '2.0',
      error: { data: { code: 'URI_TOO_LONG' } },
    });
    const bigHead = await nothingUpstream(() =>
      send(mcpUrl, 'POST', path, { body: '{}', headers: [`x-filler: ${'h'.repeat(17 * 1024)}`] }),
    );
    expect(bigHead.status).toBe(431);
    expect(bigHead.json).toMatchObject({
      jsonrpc: '2.0',
      error: { data: { code: 'HEADERS_TOO_LARGE' } },
    });
    const crlf = await nothingUpstream(() =>
      send(mcpUrl, 'POST', `${path}?a\u0000b`, { body: '{}' }),
    );
    expect(crlf.status).toBe(400);
    expect(crlf.json).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
  });
});

// ---------------------------------------------------------------------------------------------
// MCP over stdio

describe('MCP over stdio: garbage lines are skipped, the session carries on', () => {
  it('garbage, then a valid initialize and tool call, answered; stdout stays JSON-RPC', async () => {
    const child = spawn(
      process.execPath,
      [CLI_MAIN, 'run', SEED, '--stdio', '--base-uri', `${CONSUMES_NS}=${upstream.url}/v2`],
      {
        env: { ...process.env, GONG_API_KEY: SECRET, NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const waitFor = async (id: number): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        for (const line of stdout.split('\n')) {
          if (line.trim() === '') continue;
          const message = JSON.parse(line) as Record<string, unknown>;
          if (message.id === id) return message;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no answer to id ${id}\nstdout: ${stdout}\nstderr: ${stderr}`);
    };
    try {
      const before = upstream.requests.length;
      const garbage = [
        'garbage',
        '{',
        '\u0000\u0001\u0002',
        '{"jsonrpc":"2.0"}',
        '[1,2,3]',
        '42',
        '{"jsonrpc":"2.0","id":99,"method":"tools/call","params":"text"}',
        `${'x'.repeat(100_000)}`,
        '\r',
        '',
      ];
      child.stdin.write(`${garbage.join('\n')}\n`);
      child.stdin.write(Buffer.from([0xff, 0xfe, 0x0a]));
      child.stdin.write(`${JSON.stringify({ ...INITIALIZE, id: 1 })}\n`);
      const init = await waitFor(1);
      expect(init).toMatchObject({
        jsonrpc: '2.0',
        id: 1,
        result: { serverInfo: expect.any(Object) },
      });
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`,
      );
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'no/such' })}\n`);
      expect(await waitFor(2)).toMatchObject({ id: 2, error: { code: -32601 } });
      child.stdin.write(
        `${JSON.stringify(call(3, 'gong-delete-crm-integration', { integrationId: 42 }))}\n`,
      );
      expect(await waitFor(3)).toMatchObject({ id: 3, result: { isError: true } });
      // Nothing of the above reached the upstream.
      expect(upstream.requests.slice(before)).toEqual([]);
      // A valid call still works.
      child.stdin.write(`${JSON.stringify(call(4, 'gong-get-crm-integration-details', {}))}\n`);
      const ok = await waitFor(4);
      expect(ok).toMatchObject({ id: 4, result: expect.any(Object) });
      expect((ok.result as { isError?: boolean }).isError).toBeFalsy();
      expect(upstream.requests.length).toBe(before + 1);
      // The one answer to params:"text" (id 99), if any, is a JSON-RPC error; otherwise every
      // stdout line is an answer to a valid request.
      const lines = stdout.split('\n').filter((l) => l.trim() !== '');
      for (const line of lines) {
        const message = JSON.parse(line) as Record<string, unknown>;
        expect(message.jsonrpc).toBe('2.0');
        if (message.id === 99) expect(message.error).toMatchObject({ code: expect.any(Number) });
      }
      expect(stdout).not.toContain(SECRET);
      expect(stderr).not.toContain(SECRET);
      // The client going away ends the process cleanly.
      child.stdin.end();
      expect(await Promise.race([exited, sleep(12_000).then(() => 'hung')])).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 40_000);
});

// ---------------------------------------------------------------------------------------------

describe('after all of it', () => {
  it('the engines still answer valid requests', async () => {
    expect(seed.stdout() + seed.stderr()).not.toContain(SECRET);
    const before = upstream.requests.length;
    const rest = await send(restUrl, 'DELETE', `${RESOURCE}?integrationId=abc-1`);
    expect(rest.status).toBe(200);
    expect(upstream.last()).toMatchObject({ method: 'DELETE', path: '/v2/crm/integrations' });
    expect(upstream.last().query.get('integrationId')).toBe('abc-1');
    const item = await send(itemsUrl, 'GET', '/v1/items/x-1');
    expect(item.status).toBe(200);
    const session = await openSession();
    const res = await rpc(JSON.stringify(call(1, 'gong-get-crm-integration-details', {})), session);
    expect((res.messages[0]?.result as { isError?: boolean }).isError).toBeFalsy();
    expect(upstream.requests.length).toBe(before + 3);
    // No INTERNAL error was logged on the way.
    expect(seed.stdout()).not.toMatch(/"INTERNAL"/);
    expect(items.stdout()).not.toMatch(/"INTERNAL"/);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
