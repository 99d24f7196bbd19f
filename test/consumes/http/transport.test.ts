/**
 * Sending: status passthrough, decoding, pool reuse, and failure classification (unreachable,
 * timeout, caller abort, unreadable body), with no secret in any error.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Authentication, OutputRawFormat } from '../../../src/spec/types.js';
import { cleanup, consumer, failure, lookupOf, noScope, op } from './helpers/consumer.js';
import { upstream } from './helpers/consumer.js';
import type { Handler } from './helpers/upstream.js';

afterEach(cleanup);

const SECRET = 'sk-live-0123456789';

function client(
  baseUri: string,
  options: {
    authentication?: Authentication;
    totalTimeoutMs?: number;
    format?: OutputRawFormat;
  } = {},
) {
  return consumer(
    {
      baseUri,
      ...(options.authentication ? { authentication: options.authentication } : {}),
      resources: [
        {
          name: 'r',
          path: '/bot{{TOKEN}}/items/{id}',
          operations: [
            {
              name: 'op',
              method: 'GET',
              ...(options.format ? { outputRawFormat: options.format } : {}),
              inputParameters: [{ name: 'q', in: 'query' }],
            },
          ],
        },
      ],
    },
    { variables: lookupOf({ TOKEN: SECRET }), totalTimeoutMs: options.totalTimeoutMs ?? 5_000 },
  );
}

const reply =
  (status: number, body: string, type = 'application/json'): Handler =>
  (_req, res) => {
    res.statusCode = status;
    res.setHeader('content-type', type);
    res.end(body);
  };

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function expectNoSecret(err: unknown) {
  const e = err as { message: string; details?: unknown };
  expect(e.message).not.toContain(SECRET);
  expect(e.message).not.toContain('?');
  expect(JSON.stringify(e.details ?? {})).not.toContain(SECRET);
}

describe('responses', () => {
  it('decodes JSON and returns status, headers, content type and raw bytes', async () => {
    const up = await upstream(reply(200, '{"a":[1,2]}'));
    const res = await op(client(up.url)).invoke({ id: 1 }, noScope);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ a: [1, 2] });
    expect(res.contentType).toBe('application/json');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.raw.toString()).toBe('{"a":[1,2]}');
    expect(up.last().headers['user-agent']).toBe('naftiko-engine');
    expect(up.last().headers.accept).toMatch(/^application\/json/);
  });

  it('returns an upstream 404 as a normal response, its body decoded', async () => {
    const up = await upstream(reply(404, '{"error":"no such item"}'));
    const res = await op(client(up.url)).invoke({ id: 1 }, noScope);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'no such item' });
  });

  it('keeps an undecodable error body as its text', async () => {
    const up = await upstream(reply(502, '<html>bad gateway', 'application/json'));
    const res = await op(client(up.url)).invoke({ id: 1 }, noScope);
    expect(res.status).toBe(502);
    expect(res.body).toBe('<html>bad gateway');
  });

  it('decodes per outputRawFormat', async () => {
    const up = await upstream(reply(200, 'a,b\n1,2\n', 'text/csv'));
    const res = await op(client(up.url, { format: 'csv' })).invoke({ id: 1 }, noScope);
    expect(res.body).toEqual([{ a: '1', b: '2' }]);
  });

  it('a success with an unreadable body is UPSTREAM_BAD_RESPONSE naming the operation', async () => {
    const up = await upstream(reply(200, '{"broken', 'application/json'));
    const err = await failure(op(client(up.url)).invoke({ id: 1, q: SECRET }, noScope));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toContain('up.op');
    expectNoSecret(err);
  });

  it('reuses pooled connections for sequential requests to the same origin', async () => {
    const up = await upstream();
    const operation = op(client(up.url));
    for (let i = 0; i < 6; i++) await operation.invoke({ id: i }, noScope);
    expect(up.requests).toHaveLength(6);
    // undici may open a second socket when a request follows the previous one in the same tick.
    expect(up.connections()).toBeLessThanOrEqual(2);
  });
});

describe('failures', () => {
  const bearer: Authentication = { type: 'bearer', token: '{{TOKEN}}' };

  it('connection refused → UPSTREAM_UNREACHABLE, no secret in the error', async () => {
    const port = await closedPort();
    const c = client(`http://127.0.0.1:${port}/v1`, { authentication: bearer });
    const err = await failure(op(c).invoke({ id: 7, q: SECRET }, noScope));
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
    expect(err.message).toContain('up.op');
    // The message may reach a caller: never the upstream's address, which stays in details.
    expect(err.message).not.toContain('127.0.0.1');
    expect(err.details?.['target']).toBe(`127.0.0.1:${port}/v1/bot{{TOKEN}}/items/{id}`);
    expectNoSecret(err);
  });

  it('unknown host → UPSTREAM_UNREACHABLE', async () => {
    const err = await failure(op(client('http://no-such-host.invalid')).invoke({ id: 1 }, noScope));
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
  });

  it('a server slow to answer → UPSTREAM_TIMEOUT, no secret in the error', async () => {
    const up = await upstream((_req, res) => void setTimeout(() => res.end('{}'), 1_000));
    const c = client(up.url, {
      totalTimeoutMs: 100,
      authentication: { type: 'apikey', key: 'key', value: '{{TOKEN}}', placement: 'query' },
    });
    const started = Date.now();
    const err = await failure(op(c).invoke({ id: 1 }, noScope));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(900);
    expectNoSecret(err);
  });

  it('a body that stalls after the headers → UPSTREAM_TIMEOUT', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
      setTimeout(() => res.end('1}'), 1_000);
    });
    const err = await failure(
      op(client(up.url, { totalTimeoutMs: 100 })).invoke({ id: 1 }, noScope),
    );
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('a connection reset mid-body → UPSTREAM_UNREACHABLE', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"a":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const err = await failure(op(client(up.url)).invoke({ id: 1 }, noScope));
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
  });

  it('a caller abort is rethrown as the abort, not classified', async () => {
    const up = await upstream((_req, res) => void setTimeout(() => res.end('{}'), 1_000));
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 50);
    const err = await failure(op(client(up.url)).invoke({ id: 1 }, noScope, controller.signal));
    expect(err).toBe(reason);
  });

  it('collects a body sent in several pieces, with and without Content-Length', async () => {
    const piece = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(40_000) });
    const body = `[${[1, 2, 3].map(piece).join(',')}]`;
    for (const withLength of [true, false]) {
      const up = await upstream((_req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(withLength ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
        });
        const third = Math.floor(body.length / 3);
        res.write(body.slice(0, third));
        setTimeout(() => {
          res.write(body.slice(third, 2 * third));
          setTimeout(() => res.end(body.slice(2 * third)), 10);
        }, 10);
      });
      const response = await op(client(up.url)).invoke({ id: 1 }, noScope);
      expect(response.raw.toString('utf8')).toBe(body);
      expect((response.body as { n: number }[]).map((e) => e.n)).toEqual([1, 2, 3]);
    }
  });

  it('a signal aborted before the call: rethrown, and nothing reaches the upstream', async () => {
    let hits = 0;
    const up = await upstream((_req, res) => {
      hits++;
      res.end('{}');
    });
    const controller = new AbortController();
    const reason = new Error('already gone');
    controller.abort(reason);
    const err = await failure(op(client(up.url)).invoke({ id: 1 }, noScope, controller.signal));
    expect(err).toBe(reason);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hits).toBe(0);
  });

  it('a timed-out exchange is cancelled: the upstream sees its request closed', async () => {
    let closedAfterMs: number | undefined;
    const up = await upstream((_req, res) => {
      const started = Date.now();
      res.on('close', () => (closedAfterMs = Date.now() - started));
      setTimeout(() => res.end('{}'), 2_000).unref();
    });
    const err = await failure(
      op(client(up.url, { totalTimeoutMs: 100 })).invoke({ id: 1 }, noScope),
    );
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    await expect.poll(() => closedAfterMs, { timeout: 1_500 }).toBeDefined();
    expect(closedAfterMs).toBeLessThan(1_000);
  });

  it('after close(), a new origin is refused as UPSTREAM_UNREACHABLE', async () => {
    const up = await upstream();
    const c = client(up.url);
    await c.close();
    const err = await failure(op(c).invoke({ id: 1 }, noScope));
    expect(err.code).toBe('UPSTREAM_UNREACHABLE');
  });
});
