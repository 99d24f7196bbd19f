/** Parameters by location, `value` overrides, omission of absent ones, required ones. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsumedInputParameter } from '../../../src/spec/types.js';
import { cleanup, consumer, failure, lookupOf, noScope, op, upstream } from './helpers/consumer.js';

afterEach(cleanup);

async function withParams(inputParameters: ConsumedInputParameter[], env = {}, variables = {}) {
  const up = await upstream();
  const c = consumer(
    {
      baseUri: up.url,
      resources: [
        { name: 'r', path: '/p', operations: [{ name: 'op', method: 'GET', inputParameters }] },
      ],
    },
    { env, variables: lookupOf(variables) },
  );
  return { up, operation: op(c) };
}

describe('query', () => {
  it('repeats the key for arrays, JSON-encodes objects, percent-encodes with %20', async () => {
    const { up, operation } = await withParams([
      { name: 'tag', in: 'query' },
      { name: 'filter', in: 'query' },
      { name: 'q', in: 'query' },
      { name: 'n', in: 'query' },
    ]);
    await operation.invoke({ tag: ['a', 'b&c'], filter: { x: 1 }, q: 'a b', n: 0 }, noScope);
    expect(up.last().url).toBe('/p?tag=a&tag=b%26c&filter=%7B%22x%22%3A1%7D&q=a%20b&n=0');
  });

  it('omits absent optional parameters (never sent empty)', async () => {
    const { up, operation } = await withParams([
      { name: 'a', in: 'query' },
      { name: 'b', in: 'query' },
      { name: 'X-Trace', in: 'header' },
      { name: 'session', in: 'cookie' },
    ]);
    await operation.invoke({ b: null }, noScope);
    expect(up.last().url).toBe('/p');
    expect(up.last().headers['x-trace']).toBeUndefined();
    expect(up.last().headers.cookie).toBeUndefined();
  });
});

describe('header and cookie', () => {
  it('sends headers, arrays joined with ", "', async () => {
    const { up, operation } = await withParams([
      { name: 'X-Ids', in: 'header' },
      { name: 'X-One', in: 'header' },
    ]);
    await operation.invoke({ 'X-Ids': [1, 2], 'X-One': 'v' }, noScope);
    expect(up.last().headers['x-ids']).toBe('1, 2');
    expect(up.last().headers['x-one']).toBe('v');
  });

  it('refuses a header value with a line break, naming the header only', async () => {
    const { up, operation } = await withParams([{ name: 'X-One', in: 'header' }]);
    const err = await failure(operation.invoke({ 'X-One': 'a\r\nX-Evil: 1' }, noScope));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toContain('X-One');
    expect(err.message).not.toContain('Evil');
    expect(up.requests).toHaveLength(0);
  });

  it('sends cookies in one Cookie header', async () => {
    const { up, operation } = await withParams([
      { name: 'a', in: 'cookie' },
      { name: 'c', in: 'cookie' },
    ]);
    await operation.invoke({ a: 'b', c: 'd e;f' }, noScope);
    expect(up.last().headers.cookie).toBe('a=b; c=d%20e%3Bf');
  });
});

describe('environment and value', () => {
  it('reads `in: environment` parameters from the environment, to fill templates', async () => {
    const { up, operation } = await withParams(
      [
        { name: 'REGION', in: 'environment' },
        { name: 'region', in: 'query', value: '{{REGION}}' },
      ],
      { REGION: 'eu-west' },
    );
    expect(operation.parameters.map((p) => [p.name, p.fixed])).toEqual([
      ['REGION', true],
      ['region', true],
    ]);
    await operation.invoke({ REGION: 'caller-cannot-set-it' }, noScope);
    expect(up.last().url).toBe('/p?region=eu-west');
  });

  it('lets `value` override the caller, rendered from args, scope and variables', async () => {
    const { up, operation } = await withParams(
      [
        { name: 'fixed', in: 'query', value: 'literal' },
        { name: 'q', in: 'query', value: '{{userId}}' },
        { name: 'ids', in: 'query', value: '{{ids}}' },
        { name: 'Registry-Version', in: 'header', value: '{{VERSION}}' },
        { name: 'from-step', in: 'query', value: 'ship-{{step.imo}}' },
      ],
      {},
      { VERSION: '2024-01' },
    );
    await operation.invoke(
      { fixed: 'caller', userId: 'u1', ids: ['a', 'b'] },
      lookupOf({ 'step.imo': 42 }),
    );
    expect(up.last().url).toBe('/p?fixed=literal&q=u1&ids=a&ids=b&from-step=ship-42');
    expect(up.last().headers['registry-version']).toBe('2024-01');
  });

  it('omits an optional parameter whose value template has an unresolved name', async () => {
    const { up, operation } = await withParams([
      { name: 'q', in: 'query', value: 'x-{{nothing}}' },
    ]);
    await operation.invoke({}, noScope);
    expect(up.last().url).toBe('/p');
  });
});

describe('required parameters', () => {
  it('refuses all missing required parameters at once, before any request', async () => {
    const { up, operation } = await withParams([
      { name: 'a', in: 'query', required: true },
      { name: 'b', in: 'header', required: true },
      { name: 'c', in: 'query', required: true, value: '{{nothing}}' },
      { name: 'd', in: 'query', required: true },
    ]);
    const err = await failure(operation.invoke({ d: 'present' }, noScope));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.details).toEqual({ missing: ['a', 'b', 'c'] });
    expect(err.message).toMatch(/a, b, c/);
    expect(up.requests).toHaveLength(0);
  });
});

describe('effective parameters', () => {
  it('merges consumes, resource and operation levels; a later (name, in) replaces an earlier one', () => {
    const c = consumer({
      baseUri: 'http://127.0.0.1:9',
      inputParameters: [
        { name: 'X-Key', in: 'header', value: 'a' },
        { name: 'page', in: 'query' },
      ],
      resources: [
        {
          name: 'r',
          path: '/{id}',
          inputParameters: [{ name: 'id', in: 'path', type: 'string', required: true }],
          operations: [
            {
              name: 'op',
              method: 'GET',
              inputParameters: [
                { name: 'x-key', in: 'header', description: 'replaced' },
                { name: 'page', in: 'header' },
              ],
            },
          ],
        },
      ],
    });
    expect(op(c).parameters).toEqual([
      { name: 'x-key', in: 'header', required: false, fixed: false, description: 'replaced' },
      { name: 'page', in: 'query', required: false, fixed: false },
      { name: 'id', in: 'path', required: true, fixed: false, type: 'string' },
      { name: 'page', in: 'header', required: false, fixed: false },
    ]);
  });
});
