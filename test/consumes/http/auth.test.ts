/** Outbound authentication: bearer, basic, apikey (header and query), digest against a real challenge. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Authentication } from '../../../src/spec/types.js';
import { cleanup, consumer, failure, lookupOf, noScope, op, upstream } from './helpers/consumer.js';
import { digestHandler } from './helpers/digest-upstream.js';
import type { Handler } from './helpers/upstream.js';

afterEach(cleanup);

const variables = lookupOf({ TOKEN: 's3cr3t-token', 'env.USER': 'ann', PASS: 'pa:ss wörd' });

async function withAuth(authentication: Authentication, handler?: Handler) {
  const up = await upstream(handler);
  const c = consumer(
    {
      baseUri: up.url,
      authentication,
      resources: [
        {
          name: 'r',
          path: '/items/{id}',
          operations: [
            { name: 'op', method: 'GET', inputParameters: [{ name: 'q', in: 'query' }] },
          ],
        },
      ],
    },
    { variables },
  );
  return { up, operation: op(c) };
}

describe('authentication', () => {
  it('bearer: Authorization: Bearer <token>, from bindings', async () => {
    const { up, operation } = await withAuth({ type: 'bearer', token: '{{TOKEN}}' });
    await operation.invoke({ id: 1 }, noScope);
    expect(up.last().headers.authorization).toBe('Bearer s3cr3t-token');
  });

  it('basic: base64 of user:password in UTF-8', async () => {
    const { up, operation } = await withAuth({
      type: 'basic',
      username: '{{env.USER}}',
      password: '{{PASS}}',
    });
    await operation.invoke({ id: 1 }, noScope);
    const encoded = (up.last().headers.authorization ?? '').replace(/^Basic /, '');
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe('ann:pa:ss wörd');
  });

  it('apikey: a header named by `key` by default', async () => {
    const { up, operation } = await withAuth({
      type: 'apikey',
      key: 'X-Dock-Key',
      value: '{{TOKEN}}',
    });
    await operation.invoke({ id: 1 }, noScope);
    expect(up.last().headers['x-dock-key']).toBe('s3cr3t-token');
  });

  it('apikey: a query parameter with placement: query, after the other parameters', async () => {
    const { up, operation } = await withAuth({
      type: 'apikey',
      key: 'api_key',
      value: '{{TOKEN}}',
      placement: 'query',
    });
    await operation.invoke({ id: 1, q: 'a' }, noScope);
    expect(up.last().url).toBe('/items/1?q=a&api_key=s3cr3t-token');
  });

  it('a credential template naming an unbound variable is BINDING_UNRESOLVED, before any request', async () => {
    const { up, operation } = await withAuth({ type: 'bearer', token: '{{NOPE}}' });
    const err = await failure(operation.invoke({ id: 1 }, noScope));
    expect(err.code).toBe('BINDING_UNRESOLVED');
    expect(err.message).toContain('NOPE');
    expect(up.requests).toHaveLength(0);
  });

  it('a caller value cannot stand in for a credential variable', async () => {
    const { up, operation } = await withAuth({ type: 'bearer', token: '{{NOPE}}' });
    await failure(operation.invoke({ id: 1, NOPE: 'mine' }, lookupOf({ NOPE: 'mine' })));
    expect(up.requests).toHaveLength(0);
  });

  it('oauth2 on a consumes block adds nothing to outbound calls', async () => {
    const { up, operation } = await withAuth({
      type: 'oauth2',
      authorizationServerUri: 'https://auth.example.test',
      resource: 'https://api.example.test',
    });
    await operation.invoke({ id: 1 }, noScope);
    expect(up.last().headers.authorization).toBeUndefined();
  });
});

describe('digest authentication', () => {
  it.each([['MD5'], ['SHA-256'], ['MD5-sess'], ['SHA-256-sess']])(
    'answers a %s challenge and retries once',
    async (algorithm) => {
      const handler = digestHandler({
        username: 'ann',
        password: 'pa:ss wörd',
        algorithms: [algorithm],
      });
      const { up, operation } = await withAuth(
        { type: 'digest', username: '{{env.USER}}', password: '{{PASS}}' },
        handler,
      );
      const res = await operation.invoke({ id: 'a b', q: 'x y' }, noScope);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ authorized: true });
      expect(up.requests).toHaveLength(2);
      expect(up.requests[0]?.headers.authorization).toBeUndefined();
      expect(up.last().headers.authorization).toContain('uri="/items/a%20b?q=x%20y"');
      expect(handler.verified).toBe(1);
    },
  );

  it('prefers SHA-256 when MD5 and SHA-256 challenges are both offered', async () => {
    const handler = digestHandler({
      username: 'ann',
      password: 'pa:ss wörd',
      algorithms: ['MD5', 'SHA-256'],
    });
    const { up, operation } = await withAuth(
      { type: 'digest', username: '{{env.USER}}', password: '{{PASS}}' },
      handler,
    );
    expect((await operation.invoke({ id: 1 }, noScope)).status).toBe(200);
    expect(up.last().headers.authorization).toContain('algorithm=SHA-256');
  });

  it('returns the second 401 as it is when the password is wrong (no loop)', async () => {
    const handler = digestHandler({ username: 'ann', password: 'other', algorithms: ['SHA-256'] });
    const { up, operation } = await withAuth(
      { type: 'digest', username: '{{env.USER}}', password: '{{PASS}}' },
      handler,
    );
    const res = await operation.invoke({ id: 1 }, noScope);
    expect(res.status).toBe(401);
    expect(res.body).toBe('unauthorized');
    expect(up.requests).toHaveLength(2);
  });
});
