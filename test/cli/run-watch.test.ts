/**
 * `naftiko run --watch` (issue 12), through the real CLI over loopback: a capability edited while
 * autocannon drives its REST route is swapped in with no failed request (0 non-2xx, 0 errors)
 * and its new answer is served within a second of the write; an invalid edit keeps the old
 * version serving and logs `capability.reload_failed` with the diagnostics' positions; a port
 * change moves that adapter alone (the old port closes, the new one answers, the others keep
 * serving and /health/ready stays UP); added and removed adapters start and stop; MCP sessions of
 * the old version end (404, initialize again) without holding the reload up; an edit of an
 * imported shared consumes file, or of a script step's file, reloads the capability.
 */
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  freePort,
  startCapability,
  stopAllCapabilities,
  waitForEvent,
} from '../helpers/run-capability.js';
import { closeJsonUpstreams, startJsonUpstream } from '../helpers/json-upstream.js';

// autocannon (a devDependency, CommonJS) ships no types: the part used here, typed locally.
interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
}
type Autocannon = (
  options: Record<string, unknown>,
  done: (err: Error | null, result: AutocannonResult) => void,
) => { stop(): void };
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What the upstream answers: one field per version of the capability's output mapping. */
const UPSTREAM_BODY = { v1: 'one', v2: 'two', v3: 'three', v4: 'four' };
const UPSTREAM_DELAY_MS = 20;

let tmp: string;

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), 'naftiko-watch-'));
}, 120_000);
afterEach(async () => {
  await stopAllCapabilities();
  await closeJsonUpstreams();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

interface Relay {
  readonly baseUri: string;
  /** The upstream field GET /greeting answers as `message`. */
  readonly field: string;
  readonly port?: number;
  readonly mcpPort?: number;
  readonly controlPort?: number;
}

/** GET /greeting relays the upstream and answers {"message": $.<field>}. */
function relayCapability(r: Relay): string {
  return `naftiko: 1.0.0-alpha2
info:
  label: Watched
  description: A capability edited while it serves.
capability:
  consumes:
  - type: http
    namespace: up
    baseUri: ${r.baseUri}
    resources:
    - name: value
      path: /value
      operations:
      - name: get-value
        method: GET
  exposes:
  - type: rest
    namespace: w-rest
    address: 127.0.0.1
    port: ${r.port ?? 8080}
    resources:
    - name: greeting
      path: /greeting
      description: A greeting.
      operations:
      - name: get-greeting
        method: GET
        description: Relays the upstream.
        call: up.get-value
        outputParameters:
        - type: object
          properties:
            message:
              type: string
              mapping: $.${r.field}
${
  r.mcpPort === undefined
    ? ''
    : `  - type: mcp
    namespace: w-mcp
    address: 127.0.0.1
    port: ${r.mcpPort}
    description: Tools.
    tools:
    - name: value
      description: The upstream value.
      call: up.get-value
`
}${
    r.controlPort === undefined
      ? ''
      : `  - type: control
    address: 127.0.0.1
    port: ${r.controlPort}
`
  }`;
}

async function message(base: string): Promise<unknown> {
  const res = await fetch(`${base}/greeting`);
  const body = (await res.json()) as { message?: unknown };
  return res.status === 200 ? body.message : `HTTP ${res.status}`;
}

/** Polls until GET /greeting answers `expected`; resolves with the ms it took (or fails). */
async function seen(base: string, expected: string, withinMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    // Before the switch the address may not listen yet (a port change).
    if ((await message(base).catch(() => undefined)) === expected) {
      return performance.now() - start;
    }
    if (performance.now() - start > withinMs) {
      throw new Error(`"${expected}" not served within ${withinMs} ms`);
    }
    await sleep(10);
  }
}

describe('naftiko run --watch', () => {
  it('swaps an edited capability under load: 0 non-2xx, 0 errors, new answer within 1 s', async () => {
    const baseUri = await startJsonUpstream(UPSTREAM_BODY, UPSTREAM_DELAY_MS);
    const file = write('load.yaml', relayCapability({ baseUri, field: 'v1' }));
    const run = await startCapability(file, ['--watch']);
    await waitForEvent(run, 'capability.watching', 0);
    const base = run.urls.get('w-rest')!;
    expect(await message(base)).toBe('one');

    const bodies = new Map<string, number>();
    let non2xx = 0;
    const load = new Promise<AutocannonResult>((resolve, reject) => {
      autocannon(
        {
          url: `${base}/greeting`,
          connections: 8,
          pipelining: 1,
          duration: 3.5,
          requests: [
            {
              onResponse(status: number, body: string) {
                if (status < 200 || status >= 300) return void non2xx++;
                const text = String((JSON.parse(body) as { message: unknown }).message);
                bodies.set(text, (bodies.get(text) ?? 0) + 1);
              },
            },
          ],
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      );
    });
    // Two edits while the load runs: each new answer is served within a second of its write.
    await sleep(800);
    writeFileSync(file, relayCapability({ baseUri, field: 'v2' }));
    const first = await seen(base, 'two', 1_000);
    await sleep(800);
    writeFileSync(file, relayCapability({ baseUri, field: 'v3' }));
    const second = await seen(base, 'three', 1_000);
    const result = await load;

    const reloaded = run.events.filter((e) => e.event === 'capability.reloaded');
    console.log(
      `--watch under load: ${result['2xx']} requests, 0 failed; new answer served ${first.toFixed(0)} ms and ${second.toFixed(0)} ms after the writes; reloads: ${JSON.stringify(reloaded.map((e) => [e.validatedMs, e.ms]))}`,
    );
    expect(result.non2xx).toBe(0);
    expect(non2xx).toBe(0);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result['2xx']).toBeGreaterThan(100);
    // Every answer is one of the three versions, and each version served some.
    expect([...bodies.keys()].sort()).toEqual(['one', 'three', 'two']);
    expect(first).toBeLessThan(1_000);
    expect(second).toBeLessThan(1_000);
    expect(reloaded).toHaveLength(2);
    expect(reloaded[0]).toMatchObject({ changes: ['replaced rest adapter "w-rest"'] });
    // The replaced builds stop cleanly.
    expect(await run.stop()).toBe(0);
  }, 30_000);

  it('keeps the old version serving after an invalid edit, and logs the diagnostics', async () => {
    const baseUri = await startJsonUpstream(UPSTREAM_BODY);
    const file = write('invalid.yaml', relayCapability({ baseUri, field: 'v1' }));
    const run = await startCapability(file, ['--watch']);
    await waitForEvent(run, 'capability.watching', 0);
    const base = run.urls.get('w-rest')!;
    const before = run.events.length;
    // `mapping` misspelt: a schema error at a known line.
    const broken = relayCapability({ baseUri, field: 'v2' }).replace('mapping:', 'mappin:');
    writeFileSync(file, broken);
    const failed = await waitForEvent(run, 'capability.reload_failed', before);
    const line = broken.split('\n').findIndex((l) => l.includes('mappin:')) + 1;
    expect(failed.level ?? 'warn').toBe('warn');
    expect(String(failed.msg)).toContain(`${file}:${line}:`);
    expect(failed.diagnostics).toEqual(
      expect.arrayContaining([expect.objectContaining({ file, line, rule: 'schema' })]),
    );
    expect(await message(base)).toBe('one');
    expect(run.events.slice(before).some((e) => e.event === 'capability.reloaded')).toBe(false);

    // Fixed: the new version is served.
    writeFileSync(file, relayCapability({ baseUri, field: 'v2' }));
    expect(await seen(base, 'two', 1_000)).toBeLessThan(1_000);
  }, 30_000);

  it('restarts only the adapter whose port changed', async () => {
    const baseUri = await startJsonUpstream(UPSTREAM_BODY);
    const [restPort, newPort, mcpPort, controlPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const file = write(
      'ports.yaml',
      relayCapability({ baseUri, field: 'v1', port: restPort, mcpPort, controlPort }),
    );
    const run = await startCapability(file, ['--watch'], {}, { anyPort: false });
    await waitForEvent(run, 'capability.watching', 0);
    const oldBase = `http://127.0.0.1:${restPort}`;
    const mcpUrl = run.urls.get('w-mcp')!;
    expect(await message(oldBase)).toBe('one');
    const session = await initialize(mcpUrl);
    expect(session.status).toBe(200);

    const before = run.events.length;
    writeFileSync(
      file,
      relayCapability({ baseUri, field: 'v2', port: newPort, mcpPort, controlPort }),
    );
    const newBase = `http://127.0.0.1:${newPort}`;
    expect(await seen(newBase, 'two', 2_000)).toBeLessThan(2_000);
    const reloaded = await waitForEvent(run, 'capability.reloaded', before);
    expect(reloaded.changes).toEqual(
      expect.arrayContaining([
        `restarted rest adapter "w-rest": ${oldBase} → ${newBase}`,
        'replaced mcp adapter "w-mcp"',
        'replaced control adapter "control"',
      ]),
    );
    await expect(fetch(`${oldBase}/greeting`)).rejects.toThrow();
    // The MCP adapter kept its port: a new session is served there.
    expect((await initialize(mcpUrl)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${controlPort}/health/ready`);
    expect(ready.status).toBe(200);
    const health = (await ready.json()) as { adapters: { namespace?: string; url?: string }[] };
    expect(health.adapters.find((a) => a.namespace === 'w-rest')?.url).toBe(newBase);
  }, 30_000);

  it('starts an added adapter and stops a removed one', async () => {
    const baseUri = await startJsonUpstream(UPSTREAM_BODY);
    const file = write('added.yaml', relayCapability({ baseUri, field: 'v1' }));
    const run = await startCapability(file, ['--watch']);
    await waitForEvent(run, 'capability.watching', 0);
    const base = run.urls.get('w-rest')!;

    let before = run.events.length;
    writeFileSync(file, relayCapability({ baseUri, field: 'v1', mcpPort: 9090 }));
    const added = await waitForEvent(run, 'capability.reloaded', before);
    const mcpUrl = run.urls.get('w-mcp')!;
    expect((added.changes as string[]).slice().sort()).toEqual([
      'replaced rest adapter "w-rest"',
      `started mcp adapter "w-mcp" on ${mcpUrl}`,
    ]);
    expect((await initialize(mcpUrl)).status).toBe(200);

    before = run.events.length;
    writeFileSync(file, relayCapability({ baseUri, field: 'v2' }));
    const removed = await waitForEvent(run, 'capability.reloaded', before);
    expect((removed.changes as string[]).slice().sort()).toEqual([
      'replaced rest adapter "w-rest"',
      'stopped mcp adapter "w-mcp"',
    ]);
    await expect(initialize(mcpUrl)).rejects.toThrow();
    expect(await message(base)).toBe('two');
  }, 30_000);

  it('MCP: a reload ends the old sessions (404: initialize again); new sessions see the new tools', async () => {
    const baseUri = await startJsonUpstream(UPSTREAM_BODY);
    const file = write('mcp.yaml', relayCapability({ baseUri, field: 'v1', mcpPort: 9090 }));
    const run = await startCapability(file, ['--watch']);
    await waitForEvent(run, 'capability.watching', 0);
    const url = run.urls.get('w-mcp')!;
    const session = await openSession(url);
    expect(await toolDescription(url, session)).toBe('The upstream value.');
    // A standing GET stream of the old session does not hold the reload up: it ends with it.
    const stream = await fetch(url, {
      headers: {
        accept: 'text/event-stream',
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(stream.status).toBe(200);
    const streamEnded = stream.text().then(
      () => true,
      () => true,
    );

    const before = run.events.length;
    writeFileSync(
      file,
      relayCapability({ baseUri, field: 'v1', mcpPort: 9090 }).replace(
        'The upstream value.',
        'The upstream value, edited.',
      ),
    );
    const reloaded = await waitForEvent(run, 'capability.reloaded', before);
    expect(reloaded.ms).toBeLessThan(2_000);
    expect(await streamEnded).toBe(true);
    const stale = await rpc(url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, session);
    expect(stale.status).toBe(404);
    const fresh = await openSession(url);
    expect(await toolDescription(url, fresh)).toBe('The upstream value, edited.');
  }, 30_000);

  it("reloads a capability when its script step's file changes (scripts are read at load)", async () => {
    mkdirSync(path.join(tmp, 'scripts'), { recursive: true });
    write('scripts/answer.js', "result = { value: 'first' };");
    const file = write(
      'scripted.yaml',
      `naftiko: 1.0.0-alpha2
info:
  label: Scripted
  description: A script step edited while it serves.
capability:
  exposes:
  - type: control
    address: 127.0.0.1
    port: 9191
    management:
      scripting:
        defaultLocation: 'file:///./scripts'
        defaultLanguage: javascript
  - type: rest
    namespace: s-rest
    address: 127.0.0.1
    port: 8080
    resources:
    - path: /answer
      name: answer
      description: The script's answer.
      operations:
      - name: answer
        method: GET
        description: Runs the script.
        steps:
        - type: script
          name: compute
          file: answer.js
        mappings:
        - targetName: value
          value: $.compute.value
        outputParameters:
        - name: value
          type: string
`,
    );
    const run = await startCapability(file, ['--watch']);
    await waitForEvent(run, 'capability.watching', 0);
    const url = `${run.urls.get('s-rest')!}/answer`;
    expect(await (await fetch(url)).json()).toEqual({ value: 'first' });
    write('scripts/answer.js', "result = { value: 'second' };");
    const start = performance.now();
    for (;;) {
      const body = (await (await fetch(url)).json()) as { value?: string };
      if (body.value === 'second') break;
      expect(performance.now() - start).toBeLessThan(1_000);
      await sleep(10);
    }
  }, 30_000);

  it('reloads a capability when a shared consumes file it imports changes', async () => {
    const a = await startJsonUpstream({ v1: 'from A' });
    const b = await startJsonUpstream({ v1: 'from B' });
    write(
      'shared.yaml',
      `naftiko: 1.0.0-alpha2
consumes:
- type: http
  namespace: up
  baseUri: ${a}
  resources:
  - name: value
    path: /value
    operations:
    - name: get-value
      method: GET
`,
    );
    const file = write(
      'importer.yaml',
      relayCapability({ baseUri: a, field: 'v1' }).replace(
        / {2}consumes:\n[\s\S]*? {2}exposes:/,
        '  consumes:\n  - import: up\n    location: ./shared.yaml\n  exposes:',
      ),
    );
    const run = await startCapability(file, ['--watch']);
    await waitForEvent(run, 'capability.watching', 0);
    const base = run.urls.get('w-rest')!;
    expect(await message(base)).toBe('from A');
    write(
      'shared.yaml',
      `naftiko: 1.0.0-alpha2
consumes:
- type: http
  namespace: up
  baseUri: ${b}
  resources:
  - name: value
    path: /value
    operations:
    - name: get-value
      method: GET
`,
    );
    expect(await seen(base, 'from B', 1_000)).toBeLessThan(1_000);
  }, 30_000);
});

/** A JSON-RPC call over Streamable HTTP: status, session id, and the answer (JSON or SSE). */
async function rpc(
  url: string,
  body: unknown,
  session?: string,
): Promise<{ status: number; session: string | null; answer: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(session !== undefined ? { 'mcp-session-id': session } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const json = text.startsWith('{')
    ? text
    : (text
        .split('\n')
        .find((l) => l.startsWith('data: '))
        ?.slice(6) ?? '{}');
  return {
    status: res.status,
    session: res.headers.get('mcp-session-id'),
    answer: JSON.parse(json) as Record<string, unknown>,
  };
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'watch-test', version: '1' },
  },
};

/** A new MCP session: initialize, then the initialized notification. */
async function openSession(url: string): Promise<string> {
  const init = await rpc(url, INITIALIZE);
  expect(init.status).toBe(200);
  const session = init.session!;
  await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  }).then((r) => r.text());
  return session;
}

async function toolDescription(url: string, session: string): Promise<unknown> {
  const list = await rpc(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, session);
  const result = list.answer.result as { tools: { name: string; description?: string }[] };
  return result.tools.find((t) => t.name === 'value')?.description;
}

/** An MCP initialize over Streamable HTTP. */
async function initialize(url: string): Promise<Response> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'watch-test', version: '1' },
      },
    }),
  });
  await res.text();
  return res;
}
