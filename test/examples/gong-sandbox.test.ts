import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GongSandbox } from '../../examples/gong-sandbox/server.mjs';
import { startGongSandbox } from '../../examples/gong-sandbox/server.mjs';

const TOKEN = 'test-token-123';
const SERVER = fileURLToPath(new URL('../../examples/gong-sandbox/server.mjs', import.meta.url));

interface GongBody {
  requestId?: string;
  errors?: string[];
  integrationId?: number;
  clientRequestId?: string;
  integrations?: Array<{ integrationId: number; ownerEmail: string; name: string }>;
}

let sb: GongSandbox;

beforeAll(async () => {
  sb = await startGongSandbox({ port: 0, token: TOKEN });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.reset();
});

function call(
  method: string,
  pathAndQuery: string,
  opts: { body?: string; headers?: Record<string, string>; auth?: boolean } = {},
) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth !== false) headers.authorization = `Bearer ${TOKEN}`;
  if (opts.body !== undefined && !('content-type' in headers)) {
    headers['content-type'] = 'application/json';
  }
  return fetch(`${sb.url}${pathAndQuery}`, { method, headers, body: opts.body });
}

async function json(res: Response): Promise<GongBody> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as GongBody;
}

function register(ownerEmail = 'joe.doe@acme.com', name = 'ACME Sandbox') {
  return call('PUT', '/crm/integrations', { body: JSON.stringify({ ownerEmail, name }) });
}

function expectGongError(body: GongBody) {
  expect(body.requestId).toMatch(/^[a-z0-9]{19}$/);
  expect(Array.isArray(body.errors)).toBe(true);
  expect(body.errors!.length).toBeGreaterThan(0);
}

describe('gong-sandbox', () => {
  it('serves under /v2 on 127.0.0.1 with the given port', () => {
    expect(sb.url).toBe(`http://127.0.0.1:${sb.port}/v2`);
    expect(sb.port).toBeGreaterThan(0);
  });

  describe('authentication', () => {
    it('rejects a request without Authorization with a Gong-style 401', async () => {
      const res = await call('GET', '/crm/integrations', { auth: false });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = await json(res);
      expectGongError(body);
      expect(body.errors![0]).toMatch(/Authorization header is missing/);
    });

    it('rejects a wrong token and a non-Bearer scheme', async () => {
      const wrong = await call('GET', '/crm/integrations', {
        auth: false,
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.status).toBe(401);
      expect((await json(wrong)).errors![0]).toMatch(/invalid bearer token/);
      const basic = await call('GET', '/crm/integrations', {
        auth: false,
        headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      });
      expect(basic.status).toBe(401);
    });

    it('checks auth before routing, and accepts the scheme case-insensitively', async () => {
      expect((await call('GET', '/nowhere', { auth: false })).status).toBe(401);
      const res = await call('GET', '/crm/integrations', {
        auth: false,
        headers: { authorization: `bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
    });

    it('does not change state on an unauthenticated PUT', async () => {
      const res = await call('PUT', '/crm/integrations', {
        auth: false,
        body: JSON.stringify({ ownerEmail: 'a@b.co', name: 'x' }),
      });
      expect(res.status).toBe(401);
      expect(sb.integrations.size).toBe(0);
    });
  });

  describe('register / list / delete', () => {
    it('runs the happy path', async () => {
      const empty = await json(await call('GET', '/crm/integrations'));
      expect(empty.integrations).toEqual([]);

      const put = await register();
      expect(put.status).toBe(200);
      const created = await json(put);
      expect(created.requestId).toMatch(/^[a-z0-9]{19}$/);
      expect(Number.isSafeInteger(created.integrationId)).toBe(true);
      const id = String(created.integrationId);
      expect(sb.integrations.get(id)).toEqual({
        integrationId: id,
        ownerEmail: 'joe.doe@acme.com',
        name: 'ACME Sandbox',
      });

      const list = await call('GET', '/crm/integrations');
      expect(list.status).toBe(200);
      const listed = await json(list);
      expect(listed.requestId).toMatch(/^[a-z0-9]{19}$/);
      expect(listed.integrations).toEqual([
        {
          integrationId: created.integrationId,
          ownerEmail: 'joe.doe@acme.com',
          name: 'ACME Sandbox',
        },
      ]);

      const del = await call(
        'DELETE',
        `/crm/integrations?integrationId=${id}&clientRequestId=req-1`,
      );
      expect(del.status).toBe(201);
      const deleted = await json(del);
      expect(deleted).toEqual({
        requestId: expect.stringMatching(/^[a-z0-9]{19}$/),
        clientRequestId: 'req-1',
      });
      expect(sb.integrations.size).toBe(0);
      expect((await json(await call('GET', '/crm/integrations'))).integrations).toEqual([]);
    });

    it('generates a clientRequestId when the DELETE has none', async () => {
      const { integrationId } = await json(await register());
      const del = await call('DELETE', `/crm/integrations?integrationId=${integrationId}`);
      expect(del.status).toBe(201);
      expect((await json(del)).clientRequestId).toMatch(/^sandbox-[a-z0-9]+$/);
    });

    it('treats re-registering the same integration as idempotent, a different one as 409', async () => {
      const first = await json(await register());
      const again = await register();
      expect(again.status).toBe(200);
      expect((await json(again)).integrationId).toBe(first.integrationId);

      const other = await register('other@acme.com', 'Other');
      expect(other.status).toBe(409);
      const body = await json(other);
      expectGongError(body);
      expect(body.errors![0]).toMatch(/already exists/);
      expect(sb.integrations.size).toBe(1);
    });

    it('accepts a seeded integration and emits large ids as exact int64 JSON numbers', async () => {
      const big = await startGongSandbox({
        token: TOKEN,
        largeIds: true,
        seed: [{ integrationId: '5517027188234206123', ownerEmail: 'a@b.co', name: 'Seeded' }],
      });
      try {
        const res = await fetch(`${big.url}/crm/integrations`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const text = await res.text();
        expect(text).toContain('"integrationId":5517027188234206123,');
        const del = await fetch(`${big.url}/crm/integrations?integrationId=5517027188234206123`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(del.status).toBe(201);
        const put = await fetch(`${big.url}/crm/integrations`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ownerEmail: 'a@b.co', name: 'Big' }),
        });
        const id = /"integrationId":(\d+)/.exec(await put.text())![1]!;
        expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
        expect(big.integrations.has(id)).toBe(true);
      } finally {
        await big.close();
      }
    });
  });

  describe('validation', () => {
    it('names each missing field of a PUT body', async () => {
      const res = await call('PUT', '/crm/integrations', { body: '{}' });
      expect(res.status).toBe(400);
      const body = await json(res);
      expectGongError(body);
      expect(body.errors).toEqual([
        'Missing required field: ownerEmail',
        'Missing required field: name',
      ]);
    });

    it('names the one missing field and rejects wrong types, blanks and bad emails', async () => {
      const missingName = await json(
        await call('PUT', '/crm/integrations', { body: JSON.stringify({ ownerEmail: 'a@b.co' }) }),
      );
      expect(missingName.errors).toEqual(['Missing required field: name']);

      const res = await call('PUT', '/crm/integrations', {
        body: JSON.stringify({ ownerEmail: 'not-an-email', name: 42 }),
      });
      expect(res.status).toBe(400);
      expect((await json(res)).errors).toEqual([
        'Field name must be a string',
        'Field ownerEmail must be a valid email address',
      ]);

      const blank = await json(
        await call('PUT', '/crm/integrations', {
          body: JSON.stringify({ ownerEmail: 'a@b.co', name: '  ' }),
        }),
      );
      expect(blank.errors).toEqual(['Field name must not be blank']);
      expect(sb.integrations.size).toBe(0);
    });

    it('rejects invalid JSON, a non-object body and an empty body with 400', async () => {
      const bad = await call('PUT', '/crm/integrations', { body: '{"ownerEmail":' });
      expect(bad.status).toBe(400);
      const badBody = await json(bad);
      expectGongError(badBody);
      expect(badBody.errors![0]).toMatch(/^Malformed JSON request body/);

      const array = await call('PUT', '/crm/integrations', { body: '[]' });
      expect(array.status).toBe(400);
      expect((await json(array)).errors).toEqual(['Request body must be a JSON object']);

      const empty = await call('PUT', '/crm/integrations', {
        headers: { 'content-type': 'application/json' },
      });
      expect(empty.status).toBe(400);
      const emptyBody = await json(empty);
      expect(emptyBody.errors![0]).toMatch(/Required request body is missing.*ownerEmail, name/);
    });

    it('answers 415 to a PUT body that is not declared as JSON', async () => {
      const res = await call('PUT', '/crm/integrations', {
        body: JSON.stringify({ ownerEmail: 'a@b.co', name: 'x' }),
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status).toBe(415);
      expectGongError(await json(res));
    });

    it('answers 400 to a DELETE without integrationId or with malformed parameters', async () => {
      const missing = await call('DELETE', '/crm/integrations?clientRequestId=x');
      expect(missing.status).toBe(400);
      const body = await json(missing);
      expectGongError(body);
      expect(body.errors).toEqual(['Missing required query parameter: integrationId']);

      const malformed = await call(
        'DELETE',
        '/crm/integrations?integrationId=abc&clientRequestId=a%20b',
      );
      expect(malformed.status).toBe(400);
      const errors = (await json(malformed)).errors!;
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatch(/integrationId must be an int64 integer: abc/);
      expect(errors[1]).toMatch(/clientRequestId may contain only/);
    });

    it('answers 404 to a DELETE of an unknown integration', async () => {
      const res = await call('DELETE', '/crm/integrations?integrationId=123456789');
      expect(res.status).toBe(404);
      const body = await json(res);
      expectGongError(body);
      expect(body.errors![0]).toMatch(/not found$/);
    });

    it('answers 409 when a clientRequestId is reused', async () => {
      const a = await json(await register());
      expect(
        (
          await call(
            'DELETE',
            `/crm/integrations?integrationId=${a.integrationId}&clientRequestId=r1`,
          )
        ).status,
      ).toBe(201);
      const b = await json(await register());
      const res = await call(
        'DELETE',
        `/crm/integrations?integrationId=${b.integrationId}&clientRequestId=r1`,
      );
      expect(res.status).toBe(409);
      expect((await json(res)).errors![0]).toMatch(/already been used: r1/);
      expect(sb.integrations.size).toBe(1);
    });

    it('can require clientRequestId as Gong does', async () => {
      const strict = await startGongSandbox({ token: TOKEN, requireClientRequestId: true });
      try {
        const res = await fetch(`${strict.url}/crm/integrations?integrationId=1`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(res.status).toBe(400);
        expect(((await res.json()) as GongBody).errors).toEqual([
          'Missing required query parameter: clientRequestId',
        ]);
      } finally {
        await strict.close();
      }
    });
  });

  describe('routing', () => {
    it('answers 404 to unknown paths, Gong-style', async () => {
      for (const p of ['/calls', '/crm/integrations/1', '/crm']) {
        const res = await call('GET', p);
        expect(res.status, p).toBe(404);
        expectGongError(await json(res));
      }
      const outside = await fetch(`http://127.0.0.1:${sb.port}/crm/integrations`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(outside.status).toBe(404);
    });

    it('answers 405 with Allow to other methods on /v2/crm/integrations', async () => {
      for (const method of ['POST', 'PATCH']) {
        const res = await call(method, '/crm/integrations', { body: '{}' });
        expect(res.status, method).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, PUT, DELETE');
        expectGongError(await json(res));
      }
    });
  });

  describe('test hooks', () => {
    it('records every request, including rejected ones', async () => {
      await call('GET', '/crm/integrations', { auth: false });
      await register();
      await call('DELETE', '/crm/integrations?integrationId=1&clientRequestId=abc');
      expect(sb.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /v2/crm/integrations',
        'PUT /v2/crm/integrations',
        'DELETE /v2/crm/integrations',
      ]);
      const [get, put, del] = sb.requests;
      expect(get!.headers.authorization).toBeUndefined();
      expect(get!.body).toBeNull();
      expect(put!.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(put!.headers['content-type']).toBe('application/json');
      expect(put!.body).toEqual({ ownerEmail: 'joe.doe@acme.com', name: 'ACME Sandbox' });
      expect(put!.rawBody).toBe('{"ownerEmail":"joe.doe@acme.com","name":"ACME Sandbox"}');
      expect(del!.query).toEqual({ integrationId: '1', clientRequestId: 'abc' });
    });

    it('delays responses with setDelay and records the request before the delay', async () => {
      sb.setDelay(300);
      const started = Date.now();
      const pending = call('GET', '/crm/integrations');
      await new Promise((r) => setTimeout(r, 50));
      expect(sb.requests).toHaveLength(1);
      const res = await pending;
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);

      sb.setDelay(0);
      const quick = Date.now();
      await call('GET', '/crm/integrations');
      expect(Date.now() - quick).toBeLessThan(250);
      expect(() => sb.setDelay(-1)).toThrow(TypeError);
    });

    it('lets a client give up on a slow response without writing to it', async () => {
      const lines: string[] = [];
      const slow = await startGongSandbox({ token: TOKEN, log: (l) => lines.push(l) });
      try {
        slow.setDelay(5_000);
        const aborted = fetch(`${slow.url}/crm/integrations`, {
          headers: { authorization: `Bearer ${TOKEN}` },
          signal: AbortSignal.timeout(100),
        });
        await expect(aborted).rejects.toThrow();
        expect(slow.requests).toHaveLength(1);
        await new Promise((r) => setTimeout(r, 100));
        expect(lines).toEqual([]);
      } finally {
        await slow.close();
      }
    });

    it('injects failures with failNext, once each', async () => {
      sb.failNext(429, { headers: { 'retry-after': '1' } });
      sb.failNext();
      const limited = await call('GET', '/crm/integrations');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect((await json(limited)).errors).toEqual(['API request limit exceeded']);
      const broken = await call('GET', '/crm/integrations');
      expect(broken.status).toBe(500);
      expectGongError(await json(broken));
      expect((await call('GET', '/crm/integrations')).status).toBe(200);

      sb.failNext('disconnect');
      await expect(call('GET', '/crm/integrations')).rejects.toThrow();
      expect((await call('GET', '/crm/integrations')).status).toBe(200);
    });

    it('reset() forgets integrations, requests, used clientRequestIds and delay', async () => {
      const { integrationId } = await json(await register());
      await call('DELETE', `/crm/integrations?integrationId=${integrationId}&clientRequestId=r9`);
      await register();
      sb.setDelay(1_000);
      sb.reset();
      expect(sb.integrations.size).toBe(0);
      expect(sb.requests).toHaveLength(0);
      const again = await json(await register());
      const started = Date.now();
      const res = await call(
        'DELETE',
        `/crm/integrations?integrationId=${again.integrationId}&clientRequestId=r9`,
      );
      expect(res.status).toBe(201);
      expect(Date.now() - started).toBeLessThan(900);
    });

    it('close() finishes even while a delayed request is pending', async () => {
      const other = await startGongSandbox({ token: TOKEN });
      other.setDelay(10_000);
      const pending = fetch(`${other.url}/crm/integrations`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      void pending.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      await other.close();
      await other.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      await expect(pending).rejects.toThrow();
    });
  });

  describe('command line', () => {
    it('prints one listening line with the masked token and stops on SIGTERM', async () => {
      const child = spawn(process.execPath, [SERVER, '--port', '0'], {
        env: { ...process.env, GONG_API_KEY: 'cli-secret-token' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      expect(line).toMatch(
        /^gong-sandbox listening on http:\/\/127\.0\.0\.1:\d+\/v2 \(token: cli-…\)$/,
      );
      expect(line).not.toContain('cli-secret-token');

      const url = /(http:\S+)/.exec(line)![1]!;
      const res = await fetch(`${url}/crm/integrations`, {
        headers: { authorization: 'Bearer cli-secret-token' },
      });
      expect(res.status).toBe(200);

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    });

    it('rejects an invalid port with exit code 2', async () => {
      const child = spawn(process.execPath, [SERVER, '--port', 'eighty'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(2);
      expect(stderr).toMatch(/invalid port: eighty/);
    });
  });
});
