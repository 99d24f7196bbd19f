/**
 * Upstream faults (issue 11), through real HTTP on 127.0.0.1: a fault-injecting upstream behind a
 * REST adapter. Each case pins the caller's status and code, the attempts the upstream saw,
 * that nothing of the upstream (its address, a redirect target) leaks to the caller, and that
 * the engine still answers afterwards.
 * - bodies over the limit: with Content-Length → 502 UPSTREAM_TOO_LARGE before anything is sent;
 *   a chunked one streamed through an identity output → the response is aborted mid-body;
 * - slow headers and a trickling body → 504 UPSTREAM_TIMEOUT; malformed JSON relayed by an
 *   identity output, 502 UPSTREAM_BAD_RESPONSE for a mapped one;
 * - redirects: same-origin followed (303 turns a POST into a GET, 307 keeps a PUT's body),
 *   cross-origin and loops → 502 UPSTREAM_REDIRECT; a 201's Location is not relayed;
 * - retries: GET/PUT/DELETE on 502/503/504/429 and on resets before any byte; never POST; never
 *   after a response started; Retry-After honoured, and skipped past the deadline; the budget;
 * - the circuit breaker: opens after consecutive failures, fails fast with 503 and Retry-After,
 *   lets one probe through after the cooldown, closes on its success.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResilienceOptions } from '../../src/consumes/http/index.js';
import { createRuntime } from '../../src/engine/runtime.js';
import { startRestAdapter } from '../../src/exposes/rest/rest-adapter.js';
import { createValidator } from '../../src/spec/validate.js';
import { startUpstream } from '../consumes/http/helpers/upstream.js';
import type { Recorded, Upstream } from '../consumes/http/helpers/upstream.js';
import { yaml } from '../helpers/validate.js';

const open: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.stop();
});

const capability = yaml`
  naftiko: 1.0.0-alpha2
  info:
    label: Faulty
    description: One REST adapter over a fault-injecting upstream.
  capability:
    consumes:
      - type: http
        namespace: up
        description: The upstream.
        baseUri: http://127.0.0.1:9
        resources:
          - name: items
            path: /items
            operations:
              - name: list-items
                method: GET
              - name: add-item
                method: POST
                body:
                  type: json
                  data:
                    name: "{{name}}"
                inputParameters:
                  - name: name
                    in: body
                    type: string
              - name: put-items
                method: PUT
                body:
                  type: json
                  data:
                    name: "{{name}}"
                inputParameters:
                  - name: name
                    in: body
                    type: string
    exposes:
      - type: rest
        namespace: api
        port: 8080
        resources:
          - path: /items
            name: items
            description: Items.
            operations:
              - method: GET
                name: list-items
                call: up.list-items
              - method: POST
                name: add-item
                call: up.add-item
                with:
                  name: "{{name}}"
                inputParameters:
                  - name: name
                    in: body
                    type: string
                    description: A name.
              - method: PUT
                name: put-items
                call: up.put-items
                with:
                  name: "{{name}}"
                inputParameters:
                  - name: name
                    in: body
                    type: string
                    description: A name.
          - path: /first
            name: first
            description: The first item's id, mapped.
            operations:
              - method: GET
                name: first-item
                call: up.list-items
                outputParameters:
                  - type: string
                    mapping: $[0].id
`;

type Fault = (req: Recorded, res: ServerResponse) => void;

interface Engine {
  readonly url: string;
  readonly upstream: Upstream;
  /** The faults to play, in order, one per upstream request; then `ok`. */
  readonly faults: Fault[];
}

const ok: Fault = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end('[{"id":"a1"}]');
};
const status =
  (code: number, headers: Record<string, string> = {}): Fault =>
  (_req, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(`{"status":${code}}`);
  };
const resetBeforeHeaders: Fault = (req, res) => {
  void req;
  res.socket?.destroy();
};
const resetMidBody: Fault = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('[{"id":');
  setTimeout(() => res.socket?.destroy(), 20);
};

async function serve(
  options: {
    maxUpstreamBodyBytes?: number;
    resilience?: ResilienceOptions;
    totalTimeoutMs?: number;
  } = {},
): Promise<Engine> {
  const faults: Fault[] = [];
  const upstream = await startUpstream((req, res) => (faults.shift() ?? ok)(req, res));
  open.push({ stop: () => upstream.close() });
  const result = await createValidator().validateText('/tmp/faulty.yaml', capability);
  if (result.capability === undefined) throw new Error(JSON.stringify(result.diagnostics));
  const runtime = createRuntime(result.capability, {
    baseUris: new Map([['up', upstream.url]]),
    env: {},
    connectTimeoutMs: 1_000,
    totalTimeoutMs: options.totalTimeoutMs ?? 5_000,
    ...(options.maxUpstreamBodyBytes !== undefined
      ? { maxUpstreamBodyBytes: options.maxUpstreamBodyBytes }
      : {}),
    ...(options.resilience !== undefined ? { resilience: options.resilience } : {}),
  });
  open.push({ stop: () => runtime.close() });
  const adapter = result.capability.doc.capability?.exposes?.[0];
  if (adapter?.type !== 'rest') throw new Error('no REST adapter');
  const running = await startRestAdapter(adapter, runtime, { port: 0, address: '127.0.0.1' });
  open.push({ stop: () => running.stop(200) });
  return { url: running.url, upstream, faults };
}

async function call(engine: Engine, method = 'GET', body?: unknown) {
  const response = await fetch(`${engine.url}/items`, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The engine still serves a plain GET afterwards. */
async function stillHealthy(engine: Engine) {
  engine.faults.length = 0;
  expect((await call(engine)).status).toBe(200);
}

describe('upstream bodies over the limit', () => {
  it('answers 502 UPSTREAM_TOO_LARGE with Content-Length, before reading the body', async () => {
    const engine = await serve({ maxUpstreamBodyBytes: 1024 });
    engine.faults.push((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
      res.end('x'.repeat(4096));
    });
    const answer = await call(engine);
    expect(answer.status).toBe(502);
    expect(answer.json?.['code']).toBe('UPSTREAM_TOO_LARGE');
    expect(answer.text).not.toContain('127.0.0.1');
    expect(engine.upstream.requests).toHaveLength(1);
    await stillHealthy(engine);
  });

  it('aborts the streamed answer when a chunked body passes the limit: never a truncated success', async () => {
    const engine = await serve({ maxUpstreamBodyBytes: 1024 });
    engine.faults.push((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write('y'.repeat(512)), 5);
      res.on('close', () => clearInterval(timer));
    });
    // An identity output streams the upstream's 2xx body: the headers are out when the limit is
    // passed, so the caller's response is cut off (the client sees an error), not ended.
    const response = await fetch(`${engine.url}/items`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    await stillHealthy(engine);
  });

  it('answers 502 UPSTREAM_TOO_LARGE while reading a chunked body a mapped output needs', async () => {
    const engine = await serve({ maxUpstreamBodyBytes: 1024 });
    engine.faults.push((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write('y'.repeat(512)), 5);
      res.on('close', () => clearInterval(timer));
    });
    // A mapped output needs the whole body: it is collected, so the limit is a clean 502.
    const answer = await fetch(`${engine.url}/first`);
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { code: string }).code).toBe('UPSTREAM_TOO_LARGE');
    await stillHealthy(engine);
  });

  it('streams a large body through unchanged, its length kept', async () => {
    const engine = await serve();
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'z');
    engine.faults.push((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': big.length,
      });
      res.end(big);
    });
    const response = await fetch(`${engine.url}/items`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(big.length));
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer()).equals(big)).toBe(true);
  });

  it('passes a body at the limit', async () => {
    const engine = await serve({ maxUpstreamBodyBytes: 1024 });
    const body = `[${'"a",'.repeat(200)}"a"]`.slice(0, 1021) + '"]';
    engine.faults.push((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    const answer = await call(engine);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024);
    expect(answer.status).toBe(200);
  });
});

describe('slow and unreadable upstreams', () => {
  it('answers 504 UPSTREAM_TIMEOUT when the headers come too late', async () => {
    const engine = await serve({ totalTimeoutMs: 400 });
    engine.faults.push((_req, res) => {
      setTimeout(() => ok(_req, res), 1_500);
    });
    const started = Date.now();
    const answer = await call(engine);
    expect(answer.status).toBe(504);
    expect(answer.json?.['code']).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_400);
    await stillHealthy(engine);
  });

  it('answers 504 UPSTREAM_TIMEOUT when a short body trickles past the deadline', async () => {
    const engine = await serve({ totalTimeoutMs: 400 });
    engine.faults.push((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '64' });
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
    });
    const answer = await call(engine);
    expect(answer.status).toBe(504);
    expect(answer.json?.['code']).toBe('UPSTREAM_TIMEOUT');
    await stillHealthy(engine);
  });

  it('relays malformed JSON through an identity output, and refuses it for a mapped one', async () => {
    const engine = await serve();
    const broken: Fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"id": "a1",');
    };
    engine.faults.push(broken);
    const relayed = await call(engine);
    expect(relayed.status).toBe(200);
    expect(relayed.text).toBe('[{"id": "a1",');
    engine.faults.push(broken);
    const mapped = await fetch(`${engine.url}/first`);
    expect(mapped.status).toBe(502);
    expect(((await mapped.json()) as { code: string }).code).toBe('UPSTREAM_BAD_RESPONSE');
    engine.faults.length = 0;
    const fine = await fetch(`${engine.url}/first`);
    expect(fine.status).toBe(200);
    expect(await fine.json()).toBe('a1');
  });
});

describe('upstream redirects', () => {
  it('follows a same-origin redirect; the caller sees the final answer only', async () => {
    const engine = await serve();
    engine.faults.push(status(302, { location: '/elsewhere/items?page=2' }));
    const answer = await call(engine);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('location')).toBeNull();
    expect(engine.upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /items',
      'GET /elsewhere/items?page=2',
    ]);
  });

  it('turns a POST into a GET on 303, and keeps a PUT and its body on 307', async () => {
    const engine = await serve();
    engine.faults.push(status(303, { location: '/created/1' }));
    expect((await call(engine, 'POST', { name: 'n1' })).status).toBe(200);
    engine.faults.push(status(307, { location: '/items-v2' }));
    expect((await call(engine, 'PUT', { name: 'n2' })).status).toBe(200);
    const seen = engine.upstream.requests.map((r) => [r.method, r.path, r.body.toString()]);
    expect(seen).toEqual([
      ['POST', '/items', '{"name":"n1"}'],
      ['GET', '/created/1', ''],
      ['PUT', '/items', '{"name":"n2"}'],
      ['PUT', '/items-v2', '{"name":"n2"}'],
    ]);
    expect(engine.upstream.requests[1]?.headers['content-type']).toBeUndefined();
  });

  it('refuses a cross-origin redirect with 502 UPSTREAM_REDIRECT, naming neither URL', async () => {
    const engine = await serve();
    engine.faults.push(status(302, { location: 'http://127.0.0.2:4608/internal?token=s3cr3t' }));
    const answer = await call(engine);
    expect(answer.status).toBe(502);
    expect(answer.json?.['code']).toBe('UPSTREAM_REDIRECT');
    expect(answer.text).not.toContain('4608');
    expect(answer.text).not.toContain('s3cr3t');
    expect(answer.headers.get('location')).toBeNull();
    expect(engine.upstream.requests).toHaveLength(1);
    await stillHealthy(engine);
  });

  it('stops a redirect loop after 5 hops', async () => {
    const engine = await serve();
    for (let i = 0; i < 10; i++) engine.faults.push(status(301, { location: '/items' }));
    const answer = await call(engine);
    expect(answer.status).toBe(502);
    expect(answer.json?.['code']).toBe('UPSTREAM_REDIRECT');
    expect(engine.upstream.requests).toHaveLength(6);
    await stillHealthy(engine);
  });

  it("does not relay a 201's Location into the upstream", async () => {
    const engine = await serve();
    engine.faults.push(status(201, { location: `http://127.0.0.1:4608/items/9` }));
    const answer = await call(engine, 'POST', { name: 'n' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBeNull();
  });
});

describe('retries', () => {
  it('retries a GET on 502, 503 and 504, up to twice', async () => {
    const engine = await serve();
    engine.faults.push(status(503), status(502));
    expect((await call(engine)).status).toBe(200);
    expect(engine.upstream.requests).toHaveLength(3);
    engine.faults.push(status(504), status(504), status(504), status(504));
    const answer = await call(engine);
    expect(answer.status).toBe(504);
    expect(answer.json).toEqual({ status: 504 });
    expect(engine.upstream.requests).toHaveLength(6);
  });

  it('retries a PUT, never a POST', async () => {
    const engine = await serve();
    engine.faults.push(status(503));
    expect((await call(engine, 'PUT', { name: 'n' })).status).toBe(200);
    expect(engine.upstream.requests).toHaveLength(2);
    engine.faults.push(status(503));
    expect((await call(engine, 'POST', { name: 'n' })).status).toBe(503);
    expect(engine.upstream.requests).toHaveLength(3);
    engine.faults.length = 0;
    engine.faults.push(resetBeforeHeaders);
    const posted = await call(engine, 'POST', { name: 'n' });
    expect(posted.status).toBe(502);
    expect(posted.json?.['code']).toBe('UPSTREAM_UNREACHABLE');
    expect(engine.upstream.requests).toHaveLength(4);
  });

  it('retries a reset before any response byte, not a reset mid-body', async () => {
    const engine = await serve();
    engine.faults.push(resetBeforeHeaders);
    expect((await call(engine)).status).toBe(200);
    expect(engine.upstream.requests).toHaveLength(2);
    // Reset mid-body, never retried. A short announced body is collected: a clean 502.
    engine.faults.push(resetMidBody);
    const answer = await call(engine);
    expect(answer.status).toBe(502);
    expect(answer.json?.['code']).toBe('UPSTREAM_UNREACHABLE');
    expect(engine.upstream.requests).toHaveLength(3);
    // A body of unknown length is streamed: the answer is cut off, not ended as a success.
    engine.faults.push((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"id":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const response = await fetch(`${engine.url}/items`);
    await expect(response.text()).rejects.toThrow();
    expect(engine.upstream.requests).toHaveLength(4);
    await stillHealthy(engine);
  });

  it("honours a 429's Retry-After, and does not retry past the deadline", async () => {
    const engine = await serve({ totalTimeoutMs: 3_000 });
    engine.faults.push(status(429, { 'retry-after': '1' }));
    const started = Date.now();
    expect((await call(engine)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(engine.upstream.requests).toHaveLength(2);
    // Retry-After beyond the 3 s deadline: the 429 is relayed at once, with its Retry-After.
    engine.faults.push(status(429, { 'retry-after': '60' }));
    const again = Date.now();
    const limited = await call(engine);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(Date.now() - again).toBeLessThan(900);
    expect(engine.upstream.requests).toHaveLength(3);
  });

  it('keeps retries within the budget when the upstream is down', async () => {
    // The breaker off, so that every request reaches the failing upstream.
    const engine = await serve({
      resilience: { maxRetries: 2, breakerThreshold: 0, breakerCooldownMs: 1_000 },
    });
    const requests = 200;
    for (let i = 0; i < requests * 3; i++) engine.faults.push(status(503));
    for (let i = 0; i < requests; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => call(engine)));
    }
    const attempts = engine.upstream.requests.length;
    // 10% of the requests, plus 10 per window; never the 3x of unbudgeted retries.
    expect(attempts).toBeGreaterThan(requests);
    expect(attempts).toBeLessThanOrEqual(requests * 1.1 + 10);
  });
});

describe('circuit breaker', () => {
  it('opens after 5 consecutive failures, fails fast, probes after the cooldown, closes', async () => {
    const engine = await serve({
      resilience: { maxRetries: 0, breakerThreshold: 5, breakerCooldownMs: 500 },
    });
    for (let i = 0; i < 5; i++) engine.faults.push(status(500));
    for (let i = 0; i < 5; i++) expect((await call(engine)).status).toBe(500);
    const refused = await call(engine);
    expect(refused.status).toBe(503);
    expect(refused.json?.['code']).toBe('UPSTREAM_CIRCUIT_OPEN');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(engine.upstream.requests).toHaveLength(5);
    // After the cooldown one probe goes through; it fails: open again at once.
    await new Promise((r) => setTimeout(r, 600));
    engine.faults.push(status(500));
    expect((await call(engine)).status).toBe(500);
    expect((await call(engine)).json?.['code']).toBe('UPSTREAM_CIRCUIT_OPEN');
    expect(engine.upstream.requests).toHaveLength(6);
    // The next probe succeeds: closed, calls flow again.
    await new Promise((r) => setTimeout(r, 600));
    expect((await call(engine)).status).toBe(200);
    expect((await call(engine)).status).toBe(200);
    expect(engine.upstream.requests).toHaveLength(8);
  });
});
