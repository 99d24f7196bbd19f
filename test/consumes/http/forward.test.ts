/** `forward`: proxying a caller's request under the base URI with the block's credentials. */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, consumer, failure, lookupOf, upstream } from './helpers/consumer.js';

afterEach(cleanup);

describe('forward', () => {
  it('sends method, sub-path, raw query, kept headers and body, plus credentials', async () => {
    const up = await upstream((_req, res) => {
      res.statusCode = 201;
      res.setHeader('content-type', 'text/plain');
      res.end('created');
    });
    const c = consumer(
      {
        baseUri: `${up.url}/api/`,
        authentication: { type: 'bearer', token: '{{T}}' },
        resources: [],
      },
      { variables: lookupOf({ T: 'tok' }) },
    );
    const res = await c.forward({
      method: 'post',
      path: '/ships/a%20b',
      query: 'x=1&y=%20',
      headers: { 'X-Trace': 't1', Connection: 'close', Host: 'evil.test' },
      body: '{"a":1}',
    });
    expect(res.status).toBe(201);
    expect(res.raw.toString()).toBe('created');
    expect(res.contentType).toBe('text/plain');
    expect(up.last().method).toBe('POST');
    expect(up.last().url).toBe('/api/ships/a%20b?x=1&y=%20');
    expect(up.last().headers['x-trace']).toBe('t1');
    expect(up.last().headers.host).toBe(up.url.slice('http://'.length));
    expect(up.last().headers.authorization).toBe('Bearer tok');
    expect(up.last().body.toString()).toBe('{"a":1}');
  });

  it('refuses a dot segment that would climb above the base path', async () => {
    const up = await upstream();
    const c = consumer({ baseUri: `${up.url}/api`, resources: [] });
    const err = await failure(c.forward({ method: 'GET', path: '/a/%2E%2E/admin' }));
    expect(err.code).toBe('INPUT_INVALID');
    expect(up.requests).toHaveLength(0);
  });
});
