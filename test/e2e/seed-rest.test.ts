/**
 * The seed (specs/crm-crm-integration.yaml) served by a real `naftiko run` process in front of the
 * Gong stand-in (examples/gong-sandbox), exercised over real HTTP: contract §4–7 and the README's
 * "How a REST adapter behaves".
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GongSandbox } from '../../examples/gong-sandbox/server.mjs';
import { startGongSandbox } from '../../examples/gong-sandbox/server.mjs';
import {
  ensureBuilt,
  freePort,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';
import type { RunningCapability } from '../helpers/run-capability.js';
import {
  CONSUMES_NS,
  MCP_NS,
  REST_NS,
  RESOURCE,
  SEED,
  expectProblem,
  http,
  jsonRequest,
} from './support.js';

const TOKEN = 'e2e-seed-token-7f3a';
const UPSTREAM_PATH = '/v2/crm/integrations';

let sandbox: GongSandbox;
let engine: RunningCapability;

beforeAll(async () => {
  ensureBuilt();
  sandbox = await startGongSandbox({ port: 0, token: TOKEN });
  engine = await startCapability(SEED, ['--base-uri', `${CONSUMES_NS}=${sandbox.url}`], {
    GONG_API_KEY: TOKEN,
  });
}, 120_000);

afterAll(async () => {
  await stopAllCapabilities();
  await sandbox?.close();
});

beforeEach(() => {
  sandbox.reset();
});

/** Calls the sandbox directly (not through the engine), with the right token. */
function direct(method: string, body?: unknown) {
  return http(sandbox.url, method, `${sandbox.url}/crm/integrations`, {
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** Registers an integration directly in the sandbox; returns its id (decimal string). */
async function registerDirectly(name = 'Seeded'): Promise<string> {
  const res = await direct('PUT', { ownerEmail: 'seed@example.com', name });
  expect(res.status).toBe(200);
  sandbox.requests.length = 0;
  return String((res.json as { integrationId: number }).integrationId);
}

describe('startup', () => {
  it('logs the REST and MCP adapters with their real ports', () => {
    expect([...engine.urls.keys()]).toEqual([REST_NS, MCP_NS]);
    const url = new URL(engine.urls.get(REST_NS) ?? '');
    expect(url.protocol).toBe('http:');
    expect(Number(url.port)).toBeGreaterThan(0);
    expect(url.port).not.toBe('8080');

    const listening = engine.events.filter((e) => e.event === 'adapter.listening');
    expect(listening).toEqual([
      expect.objectContaining({ type: 'rest', namespace: REST_NS, url: engine.url }),
      expect.objectContaining({
        type: 'mcp',
        namespace: MCP_NS,
        url: expect.stringMatching(/^http:\/\/localhost:\d+\/mcp$/),
      }),
    ]);
    expect(engine.events.some((e) => e.event === 'adapter.skipped')).toBe(false);
    expect(engine.events.at(-1)).toMatchObject({ event: 'capability.ready' });
    // Every stdout line is a JSON object in json log format.
    expect(engine.lines.filter((l) => l.trim() !== '')).toHaveLength(engine.events.length);
  });
});

describe('PUT /v1/crm/integrations (register)', () => {
  it('sends exactly the caller’s JSON body with the bearer token, and answers the upstream JSON', async () => {
    const body = {
      ownerEmail: 'ops@example.com',
      name: 'Salesforce EU — Ünïcødé ✓ "quoted" \\ back',
      extra: { nested: [1, 2.5, null, true, 'x'], empty: {} },
    };
    const res = await jsonRequest(engine.url, 'PUT', RESOURCE, body);

    expect(res.status).toBe(200);
    expect(sandbox.requests).toHaveLength(1);
    const [received] = sandbox.requests;
    expect(received?.method).toBe('PUT');
    expect(received?.path).toBe(UPSTREAM_PATH);
    expect(received?.query).toEqual({});
    expect(received?.body).toEqual(body);
    expect(received?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(received?.headers['content-type']).toMatch(/^application\/json\b/);

    const stored = [...sandbox.integrations.values()];
    expect(stored).toHaveLength(1);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(res.json).toEqual({
      requestId: expect.any(String),
      integrationId: Number(stored[0]?.integrationId),
    });
    expect(Object.keys(res.json as object)).toEqual(['requestId', 'integrationId']);
  });

  it('refuses a missing body (required consumed parameter) before any upstream call', async () => {
    const res = await http(engine.url, 'PUT', RESOURCE);
    const problem = expectProblem(res, 400, 'INPUT_INVALID');
    expect(`${problem.detail} ${JSON.stringify(problem.errors ?? [])}`).toContain('body');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('refuses a body that is not valid JSON with BODY_INVALID, before any upstream call', async () => {
    const res = await jsonRequest(engine.url, 'PUT', RESOURCE, '{"ownerEmail": ');
    expectProblem(res, 400, 'BODY_INVALID');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('keeps an upstream 400 as it came (status and body)', async () => {
    const res = await jsonRequest(engine.url, 'PUT', RESOURCE, {});
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(res.json).toEqual({
      requestId: expect.any(String),
      errors: ['Missing required field: ownerEmail', 'Missing required field: name'],
    });
    expect(sandbox.requests).toHaveLength(1);
  });
});

describe('GET /v1/crm/integrations (list)', () => {
  it('returns the upstream JSON unchanged: same bytes as a direct call, requestId aside', async () => {
    // Two stored integrations, with characters JSON must escape, in a known order.
    sandbox.integrations.set('1234567890123', {
      integrationId: '1234567890123',
      ownerEmail: 'first@example.com',
      name: 'First "one" \\ / Ünïcødé ✓ \u2028',
    });
    sandbox.integrations.set('42', {
      integrationId: '42',
      ownerEmail: 'second@example.com',
      name: 'Second',
    });

    const viaEngine = await http(engine.url, 'GET', RESOURCE);
    const upstream = await direct('GET');

    expect(viaEngine.status).toBe(200);
    expect(viaEngine.headers.get('content-type')).toMatch(/^application\/json\b/);
    const withoutRequestId = (text: string) =>
      text.replace(/"requestId":"[^"]*"/g, '"requestId":"-"');
    expect(withoutRequestId(viaEngine.text)).toBe(withoutRequestId(upstream.text));
    expect((viaEngine.json as { integrations: unknown[] }).integrations).toEqual([
      {
        integrationId: 1234567890123,
        ownerEmail: 'first@example.com',
        name: 'First "one" \\ / Ünïcødé ✓ \u2028',
      },
      { integrationId: 42, ownerEmail: 'second@example.com', name: 'Second' },
    ]);

    const [received] = sandbox.requests;
    expect(received).toMatchObject({ method: 'GET', path: UPSTREAM_PATH, query: {}, rawBody: '' });
    expect(received?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('returns the empty list when nothing is registered', async () => {
    const res = await http(engine.url, 'GET', RESOURCE);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ requestId: expect.any(String), integrations: [] });
  });
});

describe('Gong-sized integration ids (beyond 2^53)', () => {
  it('pass through GET unchanged, and DELETE with such an id reaches the upstream exactly', async () => {
    const big = await startGongSandbox({ port: 0, token: TOKEN, largeIds: true });
    try {
      const engineBig = await startCapability(SEED, ['--base-uri', `${CONSUMES_NS}=${big.url}`], {
        GONG_API_KEY: TOKEN,
      });
      const put = await http(big.url, 'PUT', `${big.url}/crm/integrations`, {
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ownerEmail: 'big@example.com', name: 'Big' }),
      });
      const id = /"integrationId":(\d+)/.exec(put.text)?.[1] as string;
      expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      const listed = await http(engineBig.url, 'GET', RESOURCE);
      expect(listed.text).toContain(`"integrationId":${id}`);
      const deleted = await http(engineBig.url, 'DELETE', `${RESOURCE}?integrationId=${id}`);
      expect(deleted.status).toBe(201);
      expect(big.requests.at(-1)?.query).toMatchObject({ integrationId: id });
    } finally {
      await big.close();
    }
  });
});

describe('DELETE /v1/crm/integrations', () => {
  it('treats an empty integrationId as missing', async () => {
    const res = await http(engine.url, 'DELETE', `${RESOURCE}?integrationId=`);
    expectProblem(res, 400, 'INPUT_INVALID');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('sends ?integrationId=… and omits clientRequestId when the caller gave none', async () => {
    const id = await registerDirectly();
    const res = await http(engine.url, 'DELETE', `${RESOURCE}?integrationId=${id}`);

    expect(res.status).toBe(201); // the upstream's success status is kept
    expect(res.json).toEqual({
      requestId: expect.any(String),
      clientRequestId: expect.any(String),
    });
    expect(sandbox.requests).toHaveLength(1);
    const [received] = sandbox.requests;
    expect(received).toMatchObject({ method: 'DELETE', path: UPSTREAM_PATH, rawBody: '' });
    expect(received?.query).toEqual({ integrationId: id });
    expect(received?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sandbox.integrations.size).toBe(0);
  });

  it('sends both integrationId and clientRequestId when both are given', async () => {
    const id = await registerDirectly();
    const res = await http(
      engine.url,
      'DELETE',
      `${RESOURCE}?integrationId=${id}&clientRequestId=req-e2e_1`,
    );

    expect(res.status).toBe(201);
    expect(res.json).toEqual({ requestId: expect.any(String), clientRequestId: 'req-e2e_1' });
    expect(sandbox.requests.map((r) => r.query)).toEqual([
      { integrationId: id, clientRequestId: 'req-e2e_1' },
    ]);
  });

  it('percent-encodes query values (a value cannot add parameters)', async () => {
    const res = await http(engine.url, 'DELETE', `${RESOURCE}?integrationId=1%262%3Dx%2Fy`);
    expect(res.status).toBe(400); // the sandbox refuses the malformed id
    expect(sandbox.requests.map((r) => r.query)).toEqual([{ integrationId: '1&2=x/y' }]);
  });

  it('answers 400 INPUT_INVALID naming integrationId when it is missing, with no upstream call', async () => {
    for (const query of ['', '?clientRequestId=req-1']) {
      const res = await http(engine.url, 'DELETE', `${RESOURCE}${query}`);
      const problem = expectProblem(res, 400, 'INPUT_INVALID');
      expect(problem.detail).toContain('integrationId');
      expect(problem.errors?.map((e) => e.name)).toContain('integrationId');
    }
    expect(sandbox.requests).toHaveLength(0);
  });

  it('keeps an upstream 404 as a 404 with the upstream body', async () => {
    const res = await http(engine.url, 'DELETE', `${RESOURCE}?integrationId=999`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(res.json).toEqual({
      requestId: expect.any(String),
      errors: ['CRM integration 999 not found'],
    });
    expect(sandbox.requests).toHaveLength(1);
  });
});

describe('routing', () => {
  it('answers an unknown path with 404 ROUTE_NOT_FOUND', async () => {
    for (const path of ['/nope', '/v1/crm', '/v1/crm/integrations/extra', '/v2/crm/integrations']) {
      expectProblem(await http(engine.url, 'GET', path), 404, 'ROUTE_NOT_FOUND');
    }
    expect(sandbox.requests).toHaveLength(0);
  });

  it('answers another method on a known path with 405 and an Allow header', async () => {
    for (const method of ['POST', 'PATCH']) {
      const res = await http(engine.url, method, RESOURCE);
      expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
      const allow = new Set((res.headers.get('allow') ?? '').split(/\s*,\s*/));
      for (const m of ['GET', 'PUT', 'DELETE']) expect(allow).toContain(m);
      expect(allow).not.toContain(method);
    }
    expect(sandbox.requests).toHaveLength(0);
  });

  it('treats /openapi.json as a known path: another method is 405 with Allow: GET', async () => {
    const res = await http(engine.url, 'POST', '/openapi.json');
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect((res.headers.get('allow') ?? '').split(/\s*,\s*/)).toContain('GET');
  });
});

describe('GET /openapi.json', () => {
  interface Parameter {
    name: string;
    in: string;
    required?: boolean;
  }
  type Operation = {
    parameters?: Parameter[];
    requestBody?: { content?: Record<string, unknown> };
  };

  it('is an OpenAPI 3.1 document of the three operations and their inputs', async () => {
    const res = await http(engine.url, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    const doc = res.json as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });

    const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => methods.includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual([`DELETE ${RESOURCE}`, `GET ${RESOURCE}`, `PUT ${RESOURCE}`]);

    const item = doc.paths[RESOURCE] as Record<string, Operation> & { parameters?: Parameter[] };
    const params = (op: Operation | undefined) => [
      ...(item.parameters ?? []),
      ...(op?.parameters ?? []),
    ];
    const deleteParams = params(item.delete);
    const integrationId = deleteParams.find((p) => p.name === 'integrationId');
    const clientRequestId = deleteParams.find((p) => p.name === 'clientRequestId');
    expect(integrationId).toMatchObject({ in: 'query', required: true });
    expect(clientRequestId).toMatchObject({ in: 'query' });
    expect(clientRequestId?.required ?? false).toBe(false);

    expect(item.put?.requestBody?.content).toHaveProperty(['application/json']);
    expect(params(item.get)).toEqual([]);
    expect(item.get?.requestBody).toBeUndefined();
  });
});

describe('upstream failures', () => {
  let other: RunningCapability | undefined;
  afterEach(async () => {
    sandbox.setDelay(0);
    if (other !== undefined) expect(await other.stop()).toBe(0);
    other = undefined;
  });

  it('answers 502 UPSTREAM_UNREACHABLE when nothing listens at the upstream', async () => {
    const port = await freePort();
    other = await startCapability(
      SEED,
      ['--base-uri', `${CONSUMES_NS}=http://127.0.0.1:${port}/v2`],
      { GONG_API_KEY: TOKEN },
    );
    expectProblem(await http(other.url, 'GET', RESOURCE), 502, 'UPSTREAM_UNREACHABLE');
    expectProblem(
      await jsonRequest(other.url, 'PUT', RESOURCE, { ownerEmail: 'a@b.co', name: 'x' }),
      502,
      'UPSTREAM_UNREACHABLE',
    );
  });

  it('answers 504 UPSTREAM_TIMEOUT when the upstream is slower than --timeout', async () => {
    other = await startCapability(
      SEED,
      ['--base-uri', `${CONSUMES_NS}=${sandbox.url}`, '--timeout', '300'],
      { GONG_API_KEY: TOKEN },
    );
    sandbox.setDelay(1_500);
    const started = Date.now();
    const res = await http(other.url, 'GET', RESOURCE);
    const elapsed = Date.now() - started;
    expectProblem(res, 504, 'UPSTREAM_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_400);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('retries a GET once dropped, and answers 502 UPSTREAM_UNREACHABLE when every attempt is', async () => {
    // One dropped connection: the GET (idempotent) is retried and succeeds.
    sandbox.failNext('disconnect');
    expect((await http(engine.url, 'GET', RESOURCE)).status).toBe(200);
    // Dropped three times: the first attempt and both retries fail.
    for (let i = 0; i < 3; i++) sandbox.failNext('disconnect');
    expectProblem(await http(engine.url, 'GET', RESOURCE), 502, 'UPSTREAM_UNREACHABLE');
    // The next call goes through again.
    expect((await http(engine.url, 'GET', RESOURCE)).status).toBe(200);
  });

  it('keeps upstream 5xx and 429 statuses with their bodies once the retries are spent', async () => {
    // A GET is retried twice on 503 and 429: the third answer is relayed as it came.
    for (let i = 0; i < 3; i++) sandbox.failNext(503, { errors: ['down for maintenance'] });
    const unavailable = await http(engine.url, 'GET', RESOURCE);
    expect(unavailable.status).toBe(503);
    expect(unavailable.json).toEqual({
      requestId: expect.any(String),
      errors: ['down for maintenance'],
    });

    for (let i = 0; i < 3; i++) sandbox.failNext(429, { errors: ['slow down'] });
    const limited = await http(engine.url, 'GET', RESOURCE);
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ requestId: expect.any(String), errors: ['slow down'] });
  });
});
