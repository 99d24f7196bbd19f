/**
 * The engine's call hooks (RequestContext.events), heard raw: one exchangeStart/exchangeEnd per
 * upstream exchange with its URL without the query string, bytes as the body's chunks arrive
 * (ending at content-length), stepStart/stepEnd around each step of an orchestrated call, in
 * order, stopping with the step that failed. A real upstream on 127.0.0.1 port 0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/engine/runtime.js';
import type { Runtime } from '../../src/engine/runtime.js';
import type { UnitSpec } from '../../src/engine/invocation.js';
import type { CallEvents, RequestContext } from '../../src/observability/request-context.js';
import { createValidator } from '../../src/spec/validate.js';
import { startUpstream } from '../consumes/http/helpers/upstream.js';
import type { Upstream } from '../consumes/http/helpers/upstream.js';
import { yaml } from '../helpers/validate.js';

const KEY = 'key-0123456789abcdef';
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const CAPABILITY = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Hooks
    description: Hooks of one call.
  binds:
    - namespace: env
      keys:
        KEY: KEY
  capability:
    consumes:
      - type: http
        namespace: up
        description: The upstream.
        baseUri: http://up.invalid
        authentication:
          type: apikey
          key: key
          value: '{{env.KEY}}'
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
    exposes:
      - type: rest
        namespace: api
        port: 8080
        resources:
          - path: /items
            name: items
            operations:
              - method: GET
                name: list
                call: up.get-item
                with:
                  id: '1'
`;

async function setup(): Promise<{ runtime: Runtime; up: Upstream }> {
  const up = await startUpstream(async (req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.path.endsWith('/missing')) {
      res.statusCode = 404;
      return void res.end('{}');
    }
    if (req.path.endsWith('/big')) {
      const body = Buffer.from(JSON.stringify({ pad: 'y'.repeat(200_000) }));
      res.setHeader('content-length', body.length);
      res.write(body.subarray(0, 100_000));
      await new Promise((resolve) => setTimeout(resolve, 20));
      return void res.end(body.subarray(100_000));
    }
    res.end(`{"id":"${req.path.slice(req.path.lastIndexOf('/') + 1)}"}`);
  });
  open.push(up);
  const result = await createValidator().validateText('/tmp/hooks.yaml', CAPABILITY);
  if (result.capability === undefined) throw new Error(JSON.stringify(result.diagnostics));
  const runtime = createRuntime(result.capability, {
    baseUris: new Map([['up', up.url]]),
    env: { KEY },
    totalTimeoutMs: 3_000,
  });
  open.push(runtime);
  return { runtime, up };
}

/** Hooks that record what they hear, as `[hook, ...arguments]`. */
function recorder(): { events: CallEvents; heard: unknown[][] } {
  const heard: unknown[][] = [];
  return {
    heard,
    events: {
      exchangeStart: (e) => heard.push(['exchangeStart', e]),
      exchangeEnd: (e) => heard.push(['exchangeEnd', { ...e, ms: typeof e.ms }]),
      bytes: (received, total) => heard.push(['bytes', received, total]),
      stepStart: (index, total, name) => heard.push(['stepStart', index, total, name]),
      stepEnd: (index, total, name) => heard.push(['stepEnd', index, total, name]),
    },
  };
}

function context(events: CallEvents): RequestContext {
  return { requestId: 'hooks', span: undefined, exchanges: undefined, events };
}

const step = (name: string, id: string) => ({
  type: 'call' as const,
  name,
  call: 'up.get-item',
  with: { id },
});

describe('call hooks', () => {
  it('a single call: exchange start, bytes, end; the URL never carries the query', async () => {
    const { runtime, up } = await setup();
    const { events, heard } = recorder();
    const unit: UnitSpec = {
      call: 'up.get-item',
      with: { id: '7' },
      outputParameters: [{ type: 'string', mapping: '$.id' } as never],
    };
    const result = await runtime.invocation(unit, 'api').run({}, undefined, context(events));
    expect(result).toMatchObject({ kind: 'value', value: '7' });
    expect(up.last().query.get('key')).toBe(KEY);
    const e = { upstream: 'up.get-item', method: 'GET', url: `${up.url}/items/7` };
    expect(heard).toEqual([
      ['exchangeStart', e],
      ['bytes', 10, 10],
      ['exchangeEnd', { ...e, outcome: 200, ms: 'number' }],
    ]);
  });

  it('a large body: bytes grow chunk by chunk up to content-length', async () => {
    const { runtime } = await setup();
    const { events, heard } = recorder();
    await runtime
      .invocation({ call: 'up.get-item', with: { id: 'big' } }, 'api')
      .run({}, undefined, context(events));
    const bytes = heard.filter((h) => h[0] === 'bytes');
    const length = JSON.stringify({ pad: 'y'.repeat(200_000) }).length;
    expect(bytes.length).toBeGreaterThan(1);
    for (let i = 1; i < bytes.length; i++) {
      expect(bytes[i]?.[1]).toBeGreaterThan(bytes[i - 1]?.[1] as number);
    }
    for (const b of bytes) expect(b[2]).toBe(length);
    expect(bytes.at(-1)?.[1]).toBe(length);
  });

  it('steps: start and end of each, in order, around their exchanges; stops at the failed one', async () => {
    const { runtime, up } = await setup();
    const { events, heard } = recorder();
    const unit: UnitSpec = { steps: [step('a', '1'), step('b', 'missing'), step('c', '3')] };
    const result = await runtime.invocation(unit, 'api').run({}, undefined, context(events));
    expect(result.kind).toBe('upstream');
    expect(heard.filter((h) => h[0] !== 'bytes').map((h) => h.slice(0, 3))).toEqual([
      ['stepStart', 0, 3],
      ['exchangeStart', { upstream: 'up.get-item', method: 'GET', url: `${up.url}/items/1` }],
      ['exchangeEnd', expect.objectContaining({ outcome: 200 })],
      ['stepEnd', 0, 3],
      ['stepStart', 1, 3],
      ['exchangeStart', expect.objectContaining({ url: `${up.url}/items/missing` })],
      ['exchangeEnd', expect.objectContaining({ outcome: 404 })],
      ['stepEnd', 1, 3],
    ]);
    expect(heard.filter((h) => h[0] === 'stepStart').map((h) => h[3])).toEqual(['a', 'b']);
    expect(up.requests).toHaveLength(2);
  });

  it('without events nothing is heard and the result is the same', async () => {
    const { runtime } = await setup();
    const unit: UnitSpec = { steps: [step('a', '1'), step('b', '2')] };
    const plain = await runtime
      .invocation(unit, 'api')
      .run({}, undefined, { requestId: 'x', span: undefined, exchanges: undefined });
    const { events, heard } = recorder();
    const heardRun = await runtime.invocation(unit, 'api').run({}, undefined, context(events));
    expect(heardRun).toEqual(plain);
    expect(heard.length).toBeGreaterThan(0);
  });
});
