/**
 * MCP logging and progress for tool calls (issue 13 §2): `toolCallEvents` hooked into real tool
 * calls (compileTools + callTool) against a real upstream on 127.0.0.1 port 0, with a notify that
 * records. Exact notification sequences per client level, steps as k/N, bytes of a single call
 * strictly increasing, upstream failures as warning/error, and never a bound secret (the upstream
 * does receive them: in the base URI's path, a header and the query).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/engine/runtime.js';
import type { Runtime } from '../../../src/engine/runtime.js';
import { callTool } from '../../../src/exposes/mcp/call-tool.js';
import { LOG_LEVELS, isLogLevel, toolCallEvents } from '../../../src/exposes/mcp/logging.js';
import type { LogLevel } from '../../../src/exposes/mcp/logging.js';
import { compileTools } from '../../../src/exposes/mcp/tool-definitions.js';
import type { CompiledTool } from '../../../src/exposes/mcp/tool-definitions.js';
import type { RequestContext } from '../../../src/observability/request-context.js';
import type { ExposesMcp } from '../../../src/spec/types.js';
import { createValidator } from '../../../src/spec/validate.js';
import { startUpstream } from '../../consumes/http/helpers/upstream.js';
import type { Upstream } from '../../consumes/http/helpers/upstream.js';
import { yaml } from '../../helpers/validate.js';

const TOKEN = 'tok-S3cr3t-5e6f7a8b';
const TENANT = 'tenant-hidden-8080';
const BIG = 300_000;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const CAPABILITY = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Events
    description: Tools whose calls are logged and report progress.
  binds:
    - namespace: env
      keys:
        API_TOKEN: API_TOKEN
        TENANT: TENANT
  capability:
    consumes:
      - type: http
        namespace: up
        description: The upstream, with the tenant in its path.
        baseUri: http://up.invalid/{{env.TENANT}}
        authentication:
          type: apikey
          key: api_key
          value: '{{env.API_TOKEN}}'
          placement: query
        resources:
          - name: item
            path: /items/{{id}}
            operations:
              - name: get-item
                method: GET
                inputParameters:
                  - name: id
                    in: path
                  - name: x-token
                    in: header
                    value: '{{env.API_TOKEN}}'
      - type: http
        namespace: down
        description: Nobody listens there.
        baseUri: http://127.0.0.1:9
        resources:
          - name: ping
            path: /ping
            operations:
              - name: ping
                method: GET
    exposes:
      - type: mcp
        namespace: items-mcp
        port: 9090
        description: Item tools.
        tools:
          - name: item-name
            description: The name of an item.
            inputParameters:
              - name: id
                type: string
                description: Item id.
            call: up.get-item
            with:
              id: tools.id
            outputParameters:
              - type: object
                properties:
                  name:
                    type: string
                    mapping: $.name
          - name: three-items
            description: Three items, one step each.
            steps:
              - type: call
                name: first
                call: up.get-item
                with:
                  id: '1'
              - type: call
                name: second
                call: up.get-item
                with:
                  id: '2'
              - type: call
                name: third
                call: up.get-item
                with:
                  id: '3'
            mappings:
              - targetName: names
                value: $.third.name
            outputParameters:
              - name: names
                type: string
          - name: broken-steps
            description: The second step gets a 404.
            steps:
              - type: call
                name: first
                call: up.get-item
                with:
                  id: '1'
              - type: call
                name: missing
                call: up.get-item
                with:
                  id: missing
              - type: call
                name: never
                call: up.get-item
                with:
                  id: '3'
            mappings:
              - targetName: name
                value: $.never.name
            outputParameters:
              - name: name
                type: string
          - name: ping-down
            description: An unreachable upstream.
            call: down.ping
          - name: canned
            description: No upstream at all.
            outputParameters:
              - name: answer
                type: string
                value: forty-two
`;

/** /<tenant>/items/<id>: `big` (with content-length), `chunked` (without), `missing` 404. */
async function itemsUpstream(): Promise<Upstream> {
  const up = await startUpstream(async (req, res) => {
    const id = req.path.slice(req.path.lastIndexOf('/') + 1);
    res.setHeader('content-type', 'application/json');
    if (id === 'missing') {
      res.statusCode = 404;
      return void res.end(`{"error":"no item for ${String(req.headers['x-token'])}"}`);
    }
    if (id === 'big' || id === 'chunked') {
      const body = Buffer.from(JSON.stringify({ name: 'big', pad: 'x'.repeat(BIG) }));
      if (id === 'big') res.setHeader('content-length', body.length);
      // In pieces, with pauses: the engine sees several chunks.
      for (let at = 0; at < body.length; at += 100_000) {
        res.write(body.subarray(at, at + 100_000));
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      return void res.end();
    }
    res.end(`{"name":"item ${id}"}`);
  });
  open.push(up);
  return up;
}

interface Harness {
  readonly runtime: Runtime;
  readonly tools: Map<string, CompiledTool>;
  readonly up: Upstream;
}

/** The capability's runtime and tools; `down` on `downPort` when given. */
async function harness(downPort?: number): Promise<Harness> {
  const up = await itemsUpstream();
  const result = await createValidator().validateText('/tmp/call-events.yaml', CAPABILITY);
  if (result.capability === undefined) throw new Error(JSON.stringify(result.diagnostics));
  // The tenant stays a bound value rendered into the base URI's path.
  const baseUris = new Map([['up', `${up.url}/{{env.TENANT}}`]]);
  if (downPort !== undefined) baseUris.set('down', `http://127.0.0.1:${downPort}/{{env.TENANT}}`);
  const runtime = createRuntime(result.capability, {
    baseUris,
    env: { API_TOKEN: TOKEN, TENANT },
    connectTimeoutMs: 1_000,
    totalTimeoutMs: 3_000,
  });
  open.push(runtime);
  const adapter = result.capability.doc.capability?.exposes?.find(
    (a): a is ExposesMcp => a.type === 'mcp',
  ) as ExposesMcp;
  const tools = new Map(compileTools(adapter, runtime).map((t) => [t.definition.name, t]));
  return { runtime, tools, up };
}

interface Note {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** Calls a tool as the dispatcher does, recording every notification. */
async function run(
  h: Harness,
  name: string,
  args: Record<string, unknown>,
  wants: { logLevel?: LogLevel; progressToken?: string | number },
): Promise<{ notes: Note[]; isError: boolean; text: string }> {
  const notes: Note[] = [];
  const events = toolCallEvents({
    adapter: 'items-mcp',
    tool: name,
    logLevel: wants.logLevel,
    progressToken: wants.progressToken,
    notify: (method, params) => notes.push({ method, params }),
    redact: h.runtime.redact,
  });
  const context: RequestContext = {
    requestId: 'call-events-test',
    span: undefined,
    exchanges: undefined,
    ...(events !== undefined ? { events: events.events } : {}),
  };
  const tool = h.tools.get(name);
  if (tool === undefined) throw new Error(`no tool ${name}`);
  events?.start();
  const result = await callTool(tool, args, h.runtime, undefined, undefined, context);
  events?.end(result.isError === true);
  const first = result.content[0];
  return {
    notes,
    isError: result.isError === true,
    text: first?.type === 'text' ? first.text : '',
  };
}

const logs = (notes: Note[]) =>
  notes.filter((n) => n.method === 'notifications/message').map((n) => n.params);
const progress = (notes: Note[]) =>
  notes.filter((n) => n.method === 'notifications/progress').map((n) => n.params);

function expectNoSecret(notes: Note[]): void {
  const text = JSON.stringify(notes);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(TENANT);
  expect(text).not.toContain('api_key');
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('log levels', () => {
  it('LOG_LEVELS is the RFC 5424 order; isLogLevel accepts exactly those', () => {
    expect(LOG_LEVELS).toEqual([
      'debug',
      'info',
      'notice',
      'warning',
      'error',
      'critical',
      'alert',
      'emergency',
    ]);
    for (const level of LOG_LEVELS) expect(isLogLevel(level)).toBe(true);
    for (const v of ['DEBUG', 'warn', '', undefined, 3, null]) expect(isLogLevel(v)).toBe(false);
  });

  it('neither a level nor a progress token: no events at all (the engine runs as for REST)', () => {
    const events = toolCallEvents({
      adapter: 'a',
      tool: 't',
      logLevel: undefined,
      progressToken: undefined,
      notify: () => undefined,
      redact: (t) => t,
    });
    expect(events).toBeUndefined();
  });
});

describe('logging (notifications/message)', () => {
  it('debug: the call start and end (info) and the exchange request and response (debug)', async () => {
    const h = await harness();
    const { notes, isError, text } = await run(h, 'item-name', { id: '7' }, { logLevel: 'debug' });
    expect(isError).toBe(false);
    expect(JSON.parse(text)).toEqual({ name: 'item 7' });
    // The upstream did get every bound value: the notifications below could have leaked them.
    const got = h.up.last();
    expect(got.path).toBe(`/${TENANT}/items/7`);
    expect(got.headers['x-token']).toBe(TOKEN);
    expect(got.query.get('api_key')).toBe(TOKEN);

    expect(notes.every((n) => n.method === 'notifications/message')).toBe(true);
    const messages = logs(notes);
    expect(messages.map((m) => [m['level'], (m['data'] as { event: string }).event])).toEqual([
      ['info', 'tool.start'],
      ['debug', 'upstream.request'],
      ['debug', 'upstream.response'],
      ['info', 'tool.end'],
    ]);
    for (const m of messages) expect(m['logger']).toBe('naftiko.items-mcp');
    const url = `${h.up.url}/[redacted]/items/7`;
    expect(messages[0]?.['data']).toEqual({ event: 'tool.start', tool: 'item-name' });
    expect(messages[1]?.['data']).toEqual({
      event: 'upstream.request',
      tool: 'item-name',
      upstream: 'up.get-item',
      method: 'GET',
      url,
    });
    const response = messages[2]?.['data'] as Record<string, unknown>;
    expect(response).toEqual({
      event: 'upstream.response',
      tool: 'item-name',
      upstream: 'up.get-item',
      method: 'GET',
      url,
      status: 200,
      durationMs: expect.any(Number),
    });
    const end = messages[3]?.['data'] as Record<string, unknown>;
    expect(end).toEqual({
      event: 'tool.end',
      tool: 'item-name',
      isError: false,
      durationMs: expect.any(Number),
    });
    expect(end['durationMs']).toBeGreaterThanOrEqual(response['durationMs'] as number);
    expectNoSecret(notes);
  });

  it('info: only the call start and end; warning: nothing for a call that went well', async () => {
    const h = await harness();
    const info = await run(h, 'item-name', { id: '7' }, { logLevel: 'info' });
    expect(logs(info.notes).map((m) => (m['data'] as { event: string }).event)).toEqual([
      'tool.start',
      'tool.end',
    ]);
    const warning = await run(h, 'item-name', { id: '7' }, { logLevel: 'warning' });
    expect(warning.notes).toEqual([]);
    const none = await run(h, 'item-name', { id: '7' }, {});
    expect(none.notes).toEqual([]);
  });

  it('an upstream status >= 400 is a warning, sent at the warning level, not at error', async () => {
    const h = await harness();
    const warning = await run(h, 'item-name', { id: 'missing' }, { logLevel: 'warning' });
    expect(warning.isError).toBe(true);
    expect(logs(warning.notes)).toEqual([
      {
        level: 'warning',
        logger: 'naftiko.items-mcp',
        data: {
          event: 'upstream.response',
          tool: 'item-name',
          upstream: 'up.get-item',
          method: 'GET',
          url: `${h.up.url}/[redacted]/items/missing`,
          status: 404,
          durationMs: expect.any(Number),
        },
      },
    ]);
    expectNoSecret(warning.notes);
    const error = await run(h, 'item-name', { id: 'missing' }, { logLevel: 'error' });
    expect(error.notes).toEqual([]);
    const debug = await run(h, 'item-name', { id: 'missing' }, { logLevel: 'debug' });
    expect(logs(debug.notes).map((m) => m['level'])).toEqual(['info', 'debug', 'warning', 'info']);
    expect((logs(debug.notes)[3]?.['data'] as { isError: boolean }).isError).toBe(true);
  });

  it('a transport failure is an error with its stable code, sent at the error level', async () => {
    const port = await closedPort();
    const h = await harness(port);
    const { notes, isError } = await run(h, 'ping-down', {}, { logLevel: 'error' });
    expect(isError).toBe(true);
    expect(logs(notes)).toEqual([
      {
        level: 'error',
        logger: 'naftiko.items-mcp',
        data: {
          event: 'upstream.response',
          tool: 'ping-down',
          upstream: 'down.ping',
          method: 'GET',
          url: `http://127.0.0.1:${port}/[redacted]/ping`,
          code: 'UPSTREAM_UNREACHABLE',
          durationMs: expect.any(Number),
        },
      },
    ]);
    expectNoSecret(notes);
  });

  it('exchanges of an orchestrated call name their step', async () => {
    const h = await harness();
    const { notes } = await run(h, 'three-items', {}, { logLevel: 'debug' });
    const exchanges = logs(notes)
      .map((m) => m['data'] as Record<string, unknown>)
      .filter((d) => d['event'] === 'upstream.response')
      .map((d) => [d['step'], d['url']]);
    expect(exchanges).toEqual([
      ['first', `${h.up.url}/[redacted]/items/1`],
      ['second', `${h.up.url}/[redacted]/items/2`],
      ['third', `${h.up.url}/[redacted]/items/3`],
    ]);
    expectNoSecret(notes);
  });
});

describe('progress (notifications/progress)', () => {
  it('a 3-step tool: 0/3, 1/3, 2/3, 3/3, each step named', async () => {
    const h = await harness();
    const { notes, isError, text } = await run(h, 'three-items', {}, { progressToken: 'p-1' });
    expect(isError).toBe(false);
    expect(JSON.parse(text)).toEqual({ names: 'item 3' });
    expect(notes.every((n) => n.method === 'notifications/progress')).toBe(true);
    expect(progress(notes)).toEqual([
      { progressToken: 'p-1', progress: 0, total: 3 },
      { progressToken: 'p-1', progress: 1, total: 3, message: 'first' },
      { progressToken: 'p-1', progress: 2, total: 3, message: 'second' },
      { progressToken: 'p-1', progress: 3, total: 3, message: 'third' },
    ]);
  });

  it('an orchestrated call that stops early still ends at N/N', async () => {
    const h = await harness();
    const { notes, isError } = await run(h, 'broken-steps', {}, { progressToken: 9 });
    expect(isError).toBe(true);
    expect(progress(notes)).toEqual([
      { progressToken: 9, progress: 0, total: 3 },
      { progressToken: 9, progress: 1, total: 3, message: 'first' },
      { progressToken: 9, progress: 2, total: 3, message: 'missing' },
      { progressToken: 9, progress: 3, total: 3 },
    ]);
  });

  it('a single call with a small body: 0, its bytes, then the end, strictly increasing', async () => {
    const h = await harness();
    const { notes } = await run(h, 'item-name', { id: '7' }, { progressToken: 'p-2' });
    const length = '{"name":"item 7"}'.length;
    expect(progress(notes)).toEqual([
      { progressToken: 'p-2', progress: 0 },
      {
        progressToken: 'p-2',
        progress: length,
        total: length + 1,
        message: `received ${length} of ${length} bytes`,
      },
      { progressToken: 'p-2', progress: length + 1, total: length + 1 },
    ]);
  });

  for (const id of ['big', 'chunked']) {
    it(`a single call with a large body (${id}): bytes as they arrive, strictly increasing`, async () => {
      const h = await harness();
      const { notes, isError } = await run(h, 'item-name', { id }, { progressToken: 'p-3' });
      expect(isError).toBe(false);
      const values = progress(notes);
      const numbers = values.map((v) => v['progress'] as number);
      expect(numbers[0]).toBe(0);
      for (let i = 1; i < numbers.length; i++) {
        expect(numbers[i]).toBeGreaterThan(numbers[i - 1] as number);
      }
      const bytes = values.slice(1, -1);
      // Several chunks reported (the first, at least one more), but not one per socket read.
      expect(bytes.length).toBeGreaterThanOrEqual(2);
      expect(bytes.length).toBeLessThan(30);
      const length = JSON.stringify({ name: 'big', pad: 'x'.repeat(BIG) }).length;
      const last = values.at(-1) as Record<string, unknown>;
      if (id === 'big') {
        for (const b of bytes) expect(b['total']).toBe(length + 1);
        expect(bytes.at(-1)?.['progress']).toBe(length);
        expect(last).toEqual({ progressToken: 'p-3', progress: length + 1, total: length + 1 });
      } else {
        for (const b of bytes) expect(b['total']).toBeUndefined();
        expect(last['progress']).toBeGreaterThan(bytes.at(-1)?.['progress'] as number);
        expect(last['total']).toBe(last['progress']);
      }
    });
  }

  it('a tool with no upstream call: 0 then 1/1', async () => {
    const h = await harness();
    const { notes } = await run(h, 'canned', {}, { progressToken: 'p-4' });
    expect(progress(notes)).toEqual([
      { progressToken: 'p-4', progress: 0 },
      { progressToken: 'p-4', progress: 1, total: 1 },
    ]);
  });
});

describe('logging and progress together', () => {
  it('both kinds, in order, none with a secret; a notify that throws does not fail the call', async () => {
    const h = await harness();
    const { notes } = await run(h, 'three-items', {}, { logLevel: 'debug', progressToken: 't' });
    expect(progress(notes).map((p) => p['progress'])).toEqual([0, 1, 2, 3]);
    expect(logs(notes)).toHaveLength(2 + 3 * 2);
    expect(notes[0]?.method).toBe('notifications/message');
    expect(notes.at(-1)?.method).toBe('notifications/message');
    expectNoSecret(notes);

    const events = toolCallEvents({
      adapter: 'items-mcp',
      tool: 'item-name',
      logLevel: 'debug',
      progressToken: 1,
      notify: () => {
        throw new Error('the stream is gone');
      },
      redact: h.runtime.redact,
    });
    const context: RequestContext = {
      requestId: 'x',
      span: undefined,
      exchanges: undefined,
      events: events?.events,
    };
    events?.start();
    const result = await callTool(
      h.tools.get('item-name') as CompiledTool,
      { id: '7' },
      h.runtime,
      undefined,
      undefined,
      context,
    );
    events?.end(result.isError === true);
    expect(result.isError).toBeUndefined();
  });
});
