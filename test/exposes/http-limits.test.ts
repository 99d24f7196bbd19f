/**
 * The inbound limits every HTTP adapter applies (issue 11), over real HTTP on 127.0.0.1 port 0:
 * URL length (414 URI_TOO_LONG), request head size (Node's maxHeaderSize: 431
 * HEADERS_TOO_LARGE, our body rather than a bare close), long path parameters governed by the
 * URL limit rather than fastify's 100 characters, and the per-client rate limit (429
 * RATE_LIMITED with Retry-After, other clients unaffected), on an app of createHttpApp and on the
 * seed's REST adapter given the limits as `naftiko run` gives them.
 */
import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/engine/runtime.js';
import type { RunningAdapter } from '../../src/exposes/adapter.js';
import { createHttpApp } from '../../src/exposes/http-app.js';
import type { HttpAppOptions } from '../../src/exposes/http-app.js';
import { createRateLimiter } from '../../src/exposes/rate-limiter.js';
import { startRestAdapter } from '../../src/exposes/rest/rest-adapter.js';
import type { ExposesRest } from '../../src/spec/types.js';
import { createValidator } from '../../src/spec/validate.js';
import { SEED } from '../e2e/support.js';

const apps: FastifyInstance[] = [];
const adapters: RunningAdapter[] = [];
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(adapters.splice(0).map((a) => a.stop(1_000)));
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** An app with one route, `/items/:id`, listening on 127.0.0.1; resolves to its base URL. */
async function itemsApp(options: HttpAppOptions = {}): Promise<string> {
  const app = createHttpApp(options);
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET on a fresh connection (from `localAddress`), with full control of path and headers. */
function get(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  localAddress?: string,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}${path}`,
      { agent: false, headers, ...(localAddress !== undefined ? { localAddress } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function expectProblem(res: Raw, status: number, code: string): Record<string, unknown> {
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
    status,
    type: expect.stringMatching(/^application\/problem\+json/),
  });
  const problem = JSON.parse(res.body) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, code, title: expect.any(String) });
  return problem;
}

describe('request URL and head limits', () => {
  it('answers a URL longer than the limit with 414 problem+json, without quoting it', async () => {
    const base = await itemsApp();
    const secret = 'k'.repeat(9_000);
    const res = await get(base, `/items/x?key=${secret}`);
    const problem = expectProblem(res, 414, 'URI_TOO_LONG');
    expect(problem.detail).toBe('the request URL exceeds 8192 bytes');
    expect(res.body).not.toContain('kkkk');
    // Under the limit, the route answers.
    expect((await get(base, `/items/x?key=${'k'.repeat(8_000)}`)).status).toBe(200);
  });

  it('takes the URL limit as an option', async () => {
    const base = await itemsApp({ limits: { maxUrlLength: 64 } });
    expect((await get(base, `/items/${'a'.repeat(40)}`)).status).toBe(200);
    expectProblem(await get(base, `/items/${'a'.repeat(80)}`), 414, 'URI_TOO_LONG');
  });

  it('routes a path parameter longer than fastify’s default 100 characters', async () => {
    const base = await itemsApp();
    const id = 'p'.repeat(500);
    const res = await get(base, `/items/${id}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id });
  });

  it('answers headers larger than maxHeaderSize with 431 problem+json, not a bare close', async () => {
    const base = await itemsApp();
    const res = await get(base, '/items/x', { 'x-big': 'b'.repeat(17 * 1024) });
    const problem = expectProblem(res, 431, 'HEADERS_TOO_LARGE');
    expect(problem.detail).toBe('the request line and headers exceed 16384 bytes');
    expect((await get(base, '/items/x', { 'x-big': 'b'.repeat(8 * 1024) })).status).toBe(200);
  });

  it('takes the head limit as an option, and answers in JSON-RPC for an MCP app', async () => {
    const base = await itemsApp({ limits: { maxHeaderSize: 2048 }, wire: 'jsonrpc' });
    const res = await get(base, '/items/x', { 'x-big': 'b'.repeat(3000) });
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, data: { code: 'HEADERS_TOO_LARGE' } },
      id: null,
    });
  });
});

describe('per-client rate limit', () => {
  it('is off by default', async () => {
    const base = await itemsApp();
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(base, '/items/x')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });

  it('answers a client past its rate with 429 RATE_LIMITED and Retry-After; other clients are unaffected', async () => {
    const base = await itemsApp({ limits: { rateLimit: 3 } });
    for (let i = 0; i < 3; i++)
      expect((await get(base, '/items/x', {}, '127.0.0.1')).status).toBe(200);
    const limited = await get(base, '/items/x', {}, '127.0.0.1');
    expectProblem(limited, 429, 'RATE_LIMITED');
    // 3 a minute: the next token arrives within 20 s.
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(20);
    // Another source address is another client.
    expect((await get(base, '/items/x', {}, '127.0.0.2')).status).toBe(200);
    expect((await get(base, '/items/x', {}, '127.0.0.1')).status).toBe(429);
  });

  it('applies to the REST adapter given the limits (as naftiko run gives them)', async () => {
    const result = await createValidator().validateFile(SEED);
    const capability = result.capability!;
    const runtime = createRuntime(capability, {
      baseUris: new Map([['crm-crm-integration', 'http://127.0.0.1:9']]),
      env: { GONG_API_KEY: 'unused' },
    });
    closers.push(() => runtime.close());
    const rest = (capability.doc.capability?.exposes ?? []).find(
      (a): a is ExposesRest => a.type === 'rest',
    )!;
    const adapter = await startRestAdapter(rest, runtime, {
      address: '127.0.0.1',
      port: 0,
      limits: { rateLimit: 2, maxUrlLength: 100 },
    });
    adapters.push(adapter);
    expectProblem(await get(adapter.url, `/${'u'.repeat(120)}`), 414, 'URI_TOO_LONG');
    expectProblem(await get(adapter.url, '/nope'), 404, 'ROUTE_NOT_FOUND');
    const limited = await get(adapter.url, '/nope');
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });
});

describe('createRateLimiter', () => {
  it('refills at the configured rate and says when the next request may come', () => {
    const limiter = createRateLimiter(60); // one a second
    const t0 = 1_000_000;
    for (let i = 0; i < 60; i++) expect(limiter.take('a', t0).allowed).toBe(true);
    expect(limiter.take('a', t0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('a', t0 + 1_000).allowed).toBe(true);
    expect(limiter.take('a', t0 + 1_000).allowed).toBe(false);
  });

  it('takes several tokens at once (a batch) only when they are all there', () => {
    const limiter = createRateLimiter(60); // one a second
    const t0 = 1_000_000;
    expect(limiter.take('a', t0, 50).allowed).toBe(true);
    // 10 left: 20 more are refused whole, none taken, and ready in 10 s.
    expect(limiter.take('a', t0, 20)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(limiter.take('a', t0, 10).allowed).toBe(true);
    // More than the whole allowance is never granted.
    expect(limiter.take('b', t0, 61)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limiter.take('b', t0, 60).allowed).toBe(true);
  });

  it('tracks at most maxClients clients', () => {
    const limiter = createRateLimiter(1, 100);
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`, 1_000 + i);
    expect(limiter.size).toBe(100);
    // The most recent clients are still limited.
    expect(limiter.take('10.0.39.15', 11_000).allowed).toBe(false);
  });
});
