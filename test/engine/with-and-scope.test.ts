import { describe, expect, it } from 'vitest';
import { createScope } from '../../src/engine/scope.js';
import { compileWith } from '../../src/engine/with-injector.js';
import { compileTemplate } from '../../src/spec/template.js';

const bound = (name: string) => ({ 'env.TOKEN': 's3cret', TOKEN: 's3cret' })[name];

describe('the with injector', () => {
  const prefixes = ['rest', 'tools', 'mcp', 'crm-api'];

  it('rest.X, tools.X, mcp.X and <namespace>.X are the caller input X; absent inputs are omitted', () => {
    const w = compileWith(
      { a: 'rest.id', b: 'tools.id', c: 'mcp.id', d: 'crm-api.id', e: 'rest.missing' },
      prefixes,
    );
    const inputs = { id: 42 };
    expect(w.resolve(inputs, createScope(inputs, bound), [])).toEqual({
      a: 42,
      b: 42,
      c: 42,
      d: 42,
    });
    expect([...w.references]).toEqual([
      ['a', 'id'],
      ['b', 'id'],
      ['c', 'id'],
      ['d', 'id'],
      ['e', 'missing'],
    ]);
  });

  it('templates are rendered (omitted when a value is missing); anything else is a literal', () => {
    const w = compileWith(
      {
        q: 'name:{{name}}',
        auth: '{{env.TOKEN}}',
        gone: '{{nothing}}',
        n: 5,
        other: 'other-ns.x',
        plain: 'hello',
      },
      prefixes,
    );
    const inputs = { name: 'Ana' };
    expect(w.resolve(inputs, createScope(inputs, bound), [])).toEqual({
      q: 'name:Ana',
      auth: 's3cret',
      n: 5,
      other: 'other-ns.x',
      plain: 'hello',
    });
  });

  it('without a with block, consumed parameters take the inputs of the same name', () => {
    const w = compileWith(undefined, prefixes);
    expect(w.passThrough).toBe(true);
    expect(w.resolve({ id: 1, other: 2 }, bound, ['id', 'limit'])).toEqual({ id: 1 });
  });
});

describe('template scope', () => {
  it('looks up inputs, then step outputs, then bound variables; dotted names walk objects', () => {
    const steps = new Map<string, unknown>([
      ['get-ship', { name: 'Ever Given', crew: [{ id: 7 }] }],
    ]);
    const scope = createScope({ id: 1, body: { a: { b: 2 } } }, bound, steps);
    const render = (t: string) => compileTemplate(t).render(scope);
    expect(render('{{id}}/{{body.a.b}}').text).toBe('1/2');
    expect(render('{{get-ship.name}}:{{get-ship.crew[0].id}}').text).toBe('Ever Given:7');
    expect(render('Bearer {{env.TOKEN}}').text).toBe('Bearer s3cret');
    expect(render('{{nope}}-{{get-ship.none}}')).toEqual({
      text: '-',
      missing: ['nope', 'get-ship.none'],
    });
  });
});

describe('templates', () => {
  it('renders {{x}}, {{{x}}}, {{& x}} without HTML escaping, and {x} only when asked', () => {
    const scope = (n: string) => ({ x: '<a&b>', n: 3, o: { k: 1 } })[n];
    expect(compileTemplate('{{x}} {{{x}}} {{& x}}').render(scope).text).toBe('<a&b> <a&b> <a&b>');
    expect(compileTemplate('/v/{x}/{{n}}').render(scope).text).toBe('/v/{x}/3');
    expect(
      compileTemplate('/v/{x}/{{n}}', { singleBrace: true }).render(scope, encodeURIComponent).text,
    ).toBe('/v/%3Ca%26b%3E/3');
    expect(compileTemplate('{{o}}').render(scope).text).toBe('{"k":1}');
    expect(compileTemplate('static').isStatic).toBe(true);
  });
});
