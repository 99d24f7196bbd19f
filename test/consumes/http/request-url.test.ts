/** URL building: baseUri + resource path joining, path placeholder encoding, unresolved values. */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, consumer, failure, lookupOf, noScope, op, upstream } from './helpers/consumer.js';

afterEach(cleanup);

const get = (path: string) => [
  { name: 'r', path, operations: [{ name: 'op', method: 'GET' as const }] },
];

describe('URL joining', () => {
  it.each([
    ['', '/items', '/items'],
    ['/', '/items', '/items'],
    ['/v2', '/items', '/v2/items'],
    ['/v2/', '/items', '/v2/items'],
    ['/v2', 'items', '/v2/items'],
    ['/v2//', '//items/', '/v2/items/'],
    ['/v2', '', '/v2'],
  ])('base path %j + resource path %j → %j', async (basePath, resourcePath, expected) => {
    const up = await upstream();
    const c = consumer({ baseUri: `${up.url}${basePath}`, resources: get(resourcePath) });
    await op(c).invoke({}, noScope);
    expect(up.last().path).toBe(expected);
  });

  it('keeps a query written in the base URI or the resource path, before the parameters', async () => {
    const up = await upstream();
    const c = consumer({
      baseUri: `${up.url}/v1?format=json`,
      resources: [
        {
          name: 'r',
          path: '/items?kind=a',
          operations: [
            { name: 'op', method: 'GET', inputParameters: [{ name: 'q', in: 'query' }] },
          ],
        },
      ],
    });
    await op(c).invoke({ q: 'x' }, noScope);
    expect(up.last().url).toBe('/v1/items?format=json&kind=a&q=x');
  });

  it('uses the baseUri option instead of the spec one', async () => {
    const up = await upstream();
    const c = consumer(
      { baseUri: 'https://api.example.invalid/v2', resources: get('/items') },
      { baseUri: `${up.url}/mock` },
    );
    await op(c).invoke({}, noScope);
    expect(up.last().path).toBe('/mock/items');
  });

  it('renders baseUri templates: variables as they are, request values percent-encoded', async () => {
    const up = await upstream();
    const c = consumer(
      { baseUri: '{{API_URL}}/tenants/{{tenant}}', resources: get('/items') },
      { variables: lookupOf({ API_URL: `${up.url}/api` }) },
    );
    await op(c).invoke({ tenant: 'a/b c' }, noScope);
    expect(up.last().path).toBe('/api/tenants/a%2Fb%20c/items');
  });
});

describe('path placeholders', () => {
  it.each(['/files/{id}/raw', '/files/{{id}}/raw', '/files/{{ id }}/raw'])(
    'fills %s percent-encoded, so a value cannot add segments',
    async (path) => {
      const up = await upstream();
      const c = consumer({ baseUri: up.url, resources: get(path) });
      await op(c).invoke({ id: '../a/b c?d#e' }, noScope);
      expect(up.last().url).toBe('/files/..%2Fa%2Fb%20c%3Fd%23e/raw');
    },
  );

  it('takes a value from the scope when the caller gives none', async () => {
    const up = await upstream();
    const c = consumer({ baseUri: up.url, resources: get('/ships/{{ship.imo}}') });
    await op(c).invoke({}, lookupOf({ 'ship.imo': 9321483 }));
    expect(up.last().path).toBe('/ships/9321483');
  });

  it('refuses an unresolved placeholder with INPUT_INVALID naming it, before any request', async () => {
    const up = await upstream();
    const c = consumer({ baseUri: up.url, resources: get('/orgs/{org}/repos/{{repo}}') });
    const err = await failure(op(c).invoke({ repo: '' }, noScope));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toContain('org');
    expect(err.message).toContain('repo');
    expect(err.details).toEqual({ missing: ['org', 'repo'] });
    expect(up.requests).toHaveLength(0);
  });

  it('refuses an unresolved baseUri placeholder with INPUT_INVALID, before any request', async () => {
    const up = await upstream();
    const c = consumer({ baseUri: `${up.url}/{{tenant}}`, resources: get('/items') });
    const err = await failure(op(c).invoke({}, noScope));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.details).toEqual({ missing: ['tenant'] });
    expect(up.requests).toHaveLength(0);
  });

  it('refuses a static baseUri that is not an http(s) URL when the consumer is built', () => {
    expect(() => consumer({ baseUri: 'ftp://example.com', resources: get('/x') })).toThrow(
      expect.objectContaining({ code: 'SPEC_INVALID' }),
    );
  });
});
