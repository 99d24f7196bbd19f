/** Request bodies: operation `body` in every form, and bodies built from `in: body` parameters. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsumedInputParameter, RequestBody } from '../../../src/spec/types.js';
import { cleanup, consumer, lookupOf, noScope, op, upstream } from './helpers/consumer.js';

afterEach(cleanup);

async function post(body: RequestBody | undefined, inputParameters: ConsumedInputParameter[] = []) {
  const up = await upstream();
  const c = consumer({
    baseUri: up.url,
    resources: [
      {
        name: 'r',
        path: '/p',
        operations: [{ name: 'op', method: 'POST', body, inputParameters }],
      },
    ],
  });
  return { up, operation: op(c) };
}

const received = (up: Awaited<ReturnType<typeof post>>['up']) => ({
  type: up.last().headers['content-type'],
  text: up.last().body.toString('utf8'),
});

describe('operation body', () => {
  it('raw template: JSON when it parses, values JSON-escaped inside strings', async () => {
    const { up, operation } = await post(
      '{"id":"{{userId}}","name":"{{userName}}","crew":{{crewIds}},"note":{{note}}}\n',
      [{ name: 'userId', in: 'body' }],
    );
    await operation.invoke(
      { userId: 'u1' },
      lookupOf({ userName: 'O"Brien\n', crewIds: ['a', 'b'] }),
    );
    expect(received(up).type).toBe('application/json');
    expect(JSON.parse(received(up).text)).toEqual({
      id: 'u1',
      name: 'O"Brien\n',
      crew: ['a', 'b'],
      note: null,
    });
  });

  it('raw template that is not JSON: text/plain, rendered as it is', async () => {
    const { up, operation } = await post('Hello {{name}}, "{{name}}"');
    await operation.invoke({ name: 'Ann' }, noScope);
    expect(received(up)).toEqual({ type: 'text/plain; charset=utf-8', text: 'Hello Ann, "Ann"' });
  });

  it('json object data: typed whole-placeholder leaves, rendered strings, absent leaves left out', async () => {
    const { up, operation } = await post({
      type: 'json',
      data: {
        model: '{{model}}',
        n: '{{n}}',
        stream: '{{stream}}',
        messages: '{{messages}}',
        label: 'user {{user}}',
        temperature: '{{temperature}}',
        fixed: { a: 1, b: [true, null] },
        list: ['{{model}}', '{{missing}}', 3],
      },
    });
    await operation.invoke(
      { model: 'gpt', n: 2, stream: false, messages: [{ role: 'user' }], user: 7 },
      noScope,
    );
    expect(received(up).type).toBe('application/json');
    expect(JSON.parse(received(up).text)).toEqual({
      model: 'gpt',
      n: 2,
      stream: false,
      messages: [{ role: 'user' }],
      label: 'user 7',
      fixed: { a: 1, b: [true, null] },
      list: ['gpt', 3],
    });
  });

  it('json string data: rendered, application/json', async () => {
    const { up, operation } = await post({ type: 'json', data: '[{{a}}, "{{b}}"]' });
    await operation.invoke({ a: 1, b: 'x' }, noScope);
    expect(received(up)).toEqual({ type: 'application/json', text: '[1, "x"]' });
  });

  it.each([
    ['text', 'text/plain; charset=utf-8', 'Hi {{who}} & co', 'Hi <b> & co'],
    ['xml', 'application/xml', '<a>{{who}}</a>', '<a><b></a>'],
    [
      'sparql',
      'application/sparql-query',
      'SELECT ?s WHERE { ?s ?p "{{who}}" }',
      'SELECT ?s WHERE { ?s ?p "<b>" }',
    ],
  ] as const)('%s data: %s, rendered without escaping', async (type, contentType, data, text) => {
    const { up, operation } = await post({ type, data });
    await operation.invoke({ who: '<b>' }, noScope);
    expect(received(up)).toEqual({ type: contentType, text });
  });

  it('formUrlEncoded object: fields rendered and encoded, arrays repeated, absent left out', async () => {
    const { up, operation } = await post({
      type: 'formUrlEncoded',
      data: { To: '{{to}}', Channel: 'sms', Tag: '{{tags}}', Code: '{{code}}' },
    });
    await operation.invoke({ to: '+1 555&x=1', tags: ['a', 'b'] }, noScope);
    expect(received(up).type).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(received(up).text);
    expect([...form]).toEqual([
      ['To', '+1 555&x=1'],
      ['Channel', 'sms'],
      ['Tag', 'a'],
      ['Tag', 'b'],
    ]);
  });

  it('formUrlEncoded string: sent as written with values percent-encoded', async () => {
    const { up, operation } = await post({ type: 'formUrlEncoded', data: 'a={{a}}&b=2' });
    await operation.invoke({ a: 'x&y=z' }, noScope);
    expect(received(up).text).toBe('a=x%26y%3Dz&b=2');
  });

  it('multipartForm: fields and file parts with filename and content type', async () => {
    const { up, operation } = await post({
      type: 'multipartForm',
      data: [
        { name: 'model', value: '{{model}}' },
        { name: 'file', value: '{{content}}', filename: 'notes.txt', contentType: 'text/plain' },
        { name: 'skipped', value: '{{absent}}' },
      ],
    });
    await operation.invoke({ model: 'whisper', content: 'hello file' }, noScope);
    const type = up.last().headers['content-type'] ?? '';
    expect(type).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(up.last().body, {
      headers: { 'content-type': type },
    }).formData();
    expect(form.get('model')).toBe('whisper');
    expect(form.has('skipped')).toBe(false);
    const file = form.get('file') as File;
    expect(file.name).toBe('notes.txt');
    expect(file.type).toBe('text/plain');
    expect(await file.text()).toBe('hello file');
  });
});

describe('body parameters (no operation body)', () => {
  it('a lone `body` parameter is the whole JSON body', async () => {
    const { up, operation } = await post(undefined, [{ name: 'body', in: 'body', required: true }]);
    await operation.invoke({ body: { name: 'x', tags: [1] } }, noScope);
    expect(received(up)).toEqual({ type: 'application/json', text: '{"name":"x","tags":[1]}' });
  });

  it('several body parameters are merged by name; absent ones left out', async () => {
    const { up, operation } = await post(undefined, [
      { name: 'name', in: 'body' },
      { name: 'age', in: 'body' },
      { name: 'nick', in: 'body' },
    ]);
    await operation.invoke({ name: 'x', age: 3 }, noScope);
    expect(received(up)).toEqual({ type: 'application/json', text: '{"name":"x","age":3}' });
  });

  it('no body parameter present → no body and no content type', async () => {
    const { up, operation } = await post(undefined, [{ name: 'body', in: 'body' }]);
    await operation.invoke({}, noScope);
    expect(up.last().body.length).toBe(0);
    expect(up.last().headers['content-type']).toBeUndefined();
  });

  it('a header parameter Content-Type wins over the body default', async () => {
    const { up, operation } = await post(undefined, [
      { name: 'body', in: 'body' },
      { name: 'Content-Type', in: 'header', value: 'application/vnd.api+json' },
    ]);
    await operation.invoke({ body: { a: 1 } }, noScope);
    expect(received(up)).toEqual({ type: 'application/vnd.api+json', text: '{"a":1}' });
  });
});
