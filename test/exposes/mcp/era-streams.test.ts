/**
 * What the MCP transports say besides results (issue 13): progress and log notifications on a
 * request's own response stream (both eras; plain JSON when there is nothing to say first),
 * resource updates on a 2025-11-25 session's GET stream and on a 2026-07-28
 * `subscriptions/listen` stream, and the era of a stdio connection (pinned by its first
 * `initialize` or enveloped request; `server/discover` probes without pinning).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningAdapter } from '../../../src/exposes/adapter.js';
import { startMcpHttpAdapter } from '../../../src/exposes/mcp/mcp-http.js';
import { serveMcpStdio } from '../../../src/exposes/mcp/mcp-stdio.js';
import { closeMcp, load, mcpRuntime, upstream, yaml } from './helpers/mcp-client.js';
import {
  LEGACY_VERSION,
  VERSION,
  envelope,
  initialize,
  initializeMessage,
  modern,
  open,
} from './helpers/raw-mcp.js';
import type { Json } from './helpers/raw-mcp.js';

const SECRET = 'era-streams-secret-5d1';
let dir: string;
let watched: string;
const running: RunningAdapter[] = [];
const cleanups: (() => void)[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'naftiko-streams-'));
  watched = path.join(dir, 'watched.txt');
  writeFileSync(watched, 'first version');
});

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await Promise.all(running.splice(0).map((r) => r.stop(1_000)));
  await closeMcp();
});

function capability(base: string) {
  return yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Stream test
      description: Notifications.
    capability:
      consumes:
      - type: http
        namespace: steps
        baseUri: ${base}
        description: Three quick answers.
        inputParameters:
        - name: key
          in: header
          value: ${SECRET}
        resources:
        - name: things
          path: /things/{{n}}
          operations:
          - name: get-thing
            method: GET
            description: One thing.
            inputParameters:
            - name: n
              in: path
      exposes:
      - type: mcp
        transport: http
        namespace: stream-test
        port: 3001
        description: Stream test server.
        tools:
        - name: three-steps
          label: Three steps
          description: Calls the upstream three times.
          steps:
          - type: call
            name: first
            call: steps.get-thing
            with:
              n: 1
          - type: call
            name: second
            call: steps.get-thing
            with:
              n: 2
          - type: call
            name: third
            call: steps.get-thing
            with:
              n: 3
          outputParameters:
          - name: done
            type: string
            value: done
        resources:
        - name: watched
          label: Watched
          uri: test://watched
          description: A file that changes.
          mimeType: text/plain
          location: ${pathToFileURL(watched).href}
  `;
}

async function harness() {
  const steps = await upstream((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  return mcpRuntime(await load({ text: capability(steps.url) }), { upstreams: { steps } });
}

async function start(): Promise<string> {
  const { adapter, runtime } = await harness();
  const run = await startMcpHttpAdapter(adapter, runtime, { port: 0 });
  running.push(run);
  return run.url;
}

/** The modern call of the three-step tool, `meta` in its envelope. */
const modernCall = (meta: Record<string, unknown>) =>
  modern('tools/call', { name: 'three-steps', arguments: {} }, 'call-1', meta);

describe('notifications about a request, on its own response stream', () => {
  it('2026-07-28: progress and log messages precede the result; plain JSON without them', async () => {
    const url = await start();
    const quiet = modernCall({});
    const plain = await open(url, 'POST', quiet.body, quiet.headers);
    await plain.ended;
    expect(plain.contentType).toBe('application/json');
    expect(JSON.parse(plain.raw()).result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text' }],
    });

    const loud = modernCall({ progressToken: 'p-1', 'io.modelcontextprotocol/logLevel': 'debug' });
    const stream = await open(url, 'POST', loud.body, loud.headers);
    await stream.ended;
    expect(stream.contentType).toBe('text/event-stream');
    const methods = stream.messages.map((m) => m['method'] ?? 'result');
    expect(methods.at(-1)).toBe('result');
    expect(stream.messages.at(-1)).toMatchObject({
      id: 'call-1',
      result: { resultType: 'complete' },
    });
    const progress = stream.messages.filter((m) => m['method'] === 'notifications/progress');
    expect(progress.map((m) => [m['params'].progress, m['params'].total])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(progress.every((m) => m['params'].progressToken === 'p-1')).toBe(true);
    const logs = stream.messages.filter((m) => m['method'] === 'notifications/message');
    expect(logs.length).toBeGreaterThanOrEqual(8);
    expect(logs[0]?.['params']).toMatchObject({ level: 'info', logger: 'naftiko.stream-test' });
    expect(stream.raw()).not.toContain(SECRET);
  });

  it('2026-07-28: no log message without a logLevel in the request', async () => {
    const url = await start();
    const { body, headers } = modernCall({ progressToken: 7 });
    const stream = await open(url, 'POST', body, headers);
    await stream.ended;
    expect(stream.messages.filter((m) => m['method'] === 'notifications/message')).toEqual([]);
    expect(stream.messages.filter((m) => m['method'] === 'notifications/progress')).toHaveLength(4);
  });

  it('2025-11-25: logging/setLevel on the session governs the log messages of its calls', async () => {
    const url = await start();
    const { sid: session } = await initialize(url, 't');
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'three-steps', arguments: {} },
    };
    const before = await open(url, 'POST', call, headers);
    await before.ended;
    expect(before.contentType).toBe('application/json');
    const set = await open(
      url,
      'POST',
      { jsonrpc: '2.0', id: 3, method: 'logging/setLevel', params: { level: 'info' } },
      headers,
    );
    await set.ended;
    expect(JSON.parse(set.raw())).toEqual({ jsonrpc: '2.0', id: 3, result: {} });
    const after = await open(url, 'POST', call, headers);
    await after.ended;
    expect(after.contentType).toBe('text/event-stream');
    const levels = after.messages
      .filter((m) => m['method'] === 'notifications/message')
      .map((m) => m['params'].level);
    // info: the call's start and end; the debug messages of each exchange are below the level.
    expect(levels).toEqual(['info', 'info']);
    expect(after.messages.at(-1)).toMatchObject({ id: 2, result: { content: [{ type: 'text' }] } });
    expect(after.messages.at(-1)?.['result']).not.toHaveProperty('resultType');
  });
});

describe('resource updates', () => {
  it('2025-11-25: resources/subscribe, then a file change reaches the session GET stream', async () => {
    const url = await start();
    const { sid: session } = await initialize(url, 't');
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const get = await open(url, 'GET', undefined, headers);
    cleanups.push(() => get.close());
    expect(get.status).toBe(200);
    expect(get.contentType).toBe('text/event-stream');
    const second = await open(url, 'GET', undefined, headers);
    expect(second.status).toBe(409);
    const sub = await open(
      url,
      'POST',
      { jsonrpc: '2.0', id: 5, method: 'resources/subscribe', params: { uri: 'test://watched' } },
      headers,
    );
    await sub.ended;
    expect(JSON.parse(sub.raw())).toEqual({ jsonrpc: '2.0', id: 5, result: {} });
    writeFileSync(watched, 'second version');
    await expect.poll(() => get.messages.length, { timeout: 2_000 }).toBe(1);
    expect(get.messages[0]).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/resources/updated',
      params: { uri: 'test://watched' },
    });
    const unsub = await open(
      url,
      'POST',
      { jsonrpc: '2.0', id: 6, method: 'resources/unsubscribe', params: { uri: 'test://watched' } },
      headers,
    );
    await unsub.ended;
    writeFileSync(watched, 'third version');
    await new Promise((r) => setTimeout(r, 400));
    expect(get.messages).toHaveLength(1);
    // DELETE ends the session and its stream.
    const del = await fetch(url, { method: 'DELETE', headers });
    expect(del.status).toBe(200);
    await get.ended;
  });

  it('2026-07-28: subscriptions/listen acknowledges, tags updates, and ends with a result on stop', async () => {
    const url = await start();
    const stream = await open(
      url,
      'POST',
      {
        jsonrpc: '2.0',
        id: 'listen-1',
        method: 'subscriptions/listen',
        params: {
          notifications: {
            resourceSubscriptions: ['test://watched', 'test://unknown'],
            toolsListChanged: true,
          },
          _meta: envelope(),
        },
      },
      { 'mcp-protocol-version': VERSION, 'mcp-method': 'subscriptions/listen' },
    );
    expect(stream.status).toBe(200);
    expect(stream.contentType).toBe('text/event-stream');
    await expect.poll(() => stream.messages.length, { timeout: 1_000 }).toBe(1);
    const tag = { 'io.modelcontextprotocol/subscriptionId': 'listen-1' };
    expect(stream.messages[0]).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { _meta: tag, notifications: { resourceSubscriptions: ['test://watched'] } },
    });
    writeFileSync(watched, 'changed');
    await expect.poll(() => stream.messages.length, { timeout: 2_000 }).toBe(2);
    expect(stream.messages[1]).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/resources/updated',
      params: { uri: 'test://watched', _meta: tag },
    });
    await running.splice(0)[0]?.stop(1_000);
    await stream.ended;
    expect(stream.messages.at(-1)).toMatchObject({
      id: 'listen-1',
      result: { resultType: 'complete', _meta: tag },
    });
  });
});

describe('stdio: the era of a connection', () => {
  async function stdio() {
    const { adapter, runtime } = await harness();
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const server = await serveMcpStdio(adapter, runtime, { stdin, stdout });
    const lines: Json[] = [];
    createInterface({ input: stdout }).on('line', (l) => lines.push(JSON.parse(l) as Json));
    running.push(server);
    const ask = async (message: Record<string, unknown>) => {
      const before = lines.length;
      stdin.write(`${JSON.stringify(message)}\n`);
      await expect
        .poll(() => lines.slice(before).some((l) => l['id'] === message['id']), { timeout: 2_000 })
        .toBe(true);
      return lines.slice(before).find((l) => l['id'] === message['id']) as Json;
    };
    return { ask, lines };
  }
  const init = (id: number) => initializeMessage(id, LEGACY_VERSION, 't');

  it('a server/discover probe does not pin: initialize after it is 2025-11-25', async () => {
    const { ask } = await stdio();
    const discover = await ask({
      jsonrpc: '2.0',
      id: 1,
      method: 'server/discover',
      params: { _meta: envelope() },
    });
    expect(discover['result']).toMatchObject({
      supportedVersions: [VERSION],
      resultType: 'complete',
    });
    const legacy = await ask(init(2));
    expect(legacy['result']).toMatchObject({
      protocolVersion: '2025-11-25',
      serverInfo: { name: 'stream-test' },
    });
    expect((await ask({ jsonrpc: '2.0', id: 3, method: 'ping' }))['result']).toEqual({});
    // Pinned to 2025-11-25: an enveloped request is served as legacy (undecorated).
    const list = await ask({
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/list',
      params: { _meta: envelope() },
    });
    expect(list['result']).not.toHaveProperty('resultType');
  });

  it('an enveloped request pins 2026-07-28: initialize is -32022, ping -32601', async () => {
    const { ask, lines } = await stdio();
    const call = await ask({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'three-steps', arguments: {}, _meta: envelope({ progressToken: 'tok' }) },
    });
    expect(call['result']).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text' }],
    });
    expect(lines.filter((l) => l['method'] === 'notifications/progress')).toHaveLength(4);
    const again = await ask(init(2));
    expect(again['error']).toMatchObject({ code: -32022, data: { supported: [VERSION] } });
    expect(
      (await ask({ jsonrpc: '2.0', id: 3, method: 'ping', params: { _meta: envelope() } }))[
        'error'
      ],
    ).toMatchObject({ code: -32601 });
    expect((await ask({ jsonrpc: '2.0', id: 4, method: 'tools/list' }))['error']).toMatchObject({
      code: -32602,
    });
  });
});
