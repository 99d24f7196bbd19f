/**
 * `completion/complete` (compileCompletions) on a capability compiled from YAML with real parts:
 * prompt arguments (known → [], unknown → -32602), URI template variables (values a boolean
 * input declares, values seen in static folder files and exact dynamic URIs that match the
 * template, narrowed by `context.arguments`), the case-sensitive prefix filter, the 100-value cut
 * with `total`/`hasMore`, malformed params and unknown refs as -32602, and the literal lists a
 * `^(a|b)$` pattern declares.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compileCompletions,
  declaredValues,
  patternLiterals,
} from '../../../src/exposes/mcp/completion.js';
import type { CompiledCompletions } from '../../../src/exposes/mcp/completion.js';
import { compilePrompts } from '../../../src/exposes/mcp/prompts.js';
import { compileResources } from '../../../src/exposes/mcp/resources.js';
import { RPC_INVALID_PARAMS, RpcError } from '../../../src/exposes/mcp/rpc-error.js';
import { createRuntime } from '../../../src/engine/runtime.js';
import type { Runtime } from '../../../src/engine/runtime.js';
import type { ExposesMcp } from '../../../src/spec/types.js';
import { createValidator } from '../../../src/spec/validate.js';
import { yaml } from '../../helpers/validate.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'naftiko-mcp-completion-'));
  await fs.mkdir(path.join(dir, 'many'));
  for (let i = 0; i < 150; i++) {
    await fs.writeFile(path.join(dir, 'many', `f${String(i).padStart(3, '0')}.txt`), `${i}`);
  }
  for (const file of ['a/x.txt', 'a/y.txt', 'b/z.txt', 'b/Apple.txt']) {
    await fs.mkdir(path.dirname(path.join(dir, 'tree', file)), { recursive: true });
    await fs.writeFile(path.join(dir, 'tree', file), file);
  }
  await fs.writeFile(path.join(dir, 'seven.json'), '{"id":7}');
});
const runtimes: Runtime[] = [];

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
  await fs.rm(dir, { recursive: true, force: true });
});

function capability(withPrompts = true, withTemplates = true): string {
  const url = (p: string): string => pathToFileURL(path.join(dir, p)).href;
  return yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Completions
      description: Completions behind MCP.
    capability:
      consumes:
        - type: http
          namespace: items
          baseUri: http://items.invalid
          resources:
            - name: item
              path: /items/{{id}}
              operations:
                - name: get-item
                  method: GET
                  inputParameters:
                    - name: active
                      in: query
                      type: boolean
            - name: items
              path: /items
              operations:
                - name: list-items
                  method: GET
            - name: files
              path: /files/{{dir}}/{{name}}
              operations:
                - name: get-file
                  method: GET
      exposes:
        - type: mcp
          namespace: completion-mcp
          port: 9090
          description: Completions.
          tools:
            - name: list-items
              description: Every item.
              call: items.list-items
          resources:
            - name: many
              label: Many
              uri: many://all
              description: 150 files.
              location: ${url('many')}
            - name: tree
              label: Tree
              uri: tree://root
              description: Files in folders.
              location: ${url('tree')}
            - name: seven
              label: Seven
              uri: items://7
              description: One item as a file.
              location: ${url('seven.json')}
            - name: all-items
              label: All items
              uri: items://all
              description: Every item.
              call: items.list-items
            ${withTemplates ? templates : ''}
          ${withPrompts ? prompts : ''}
  `;
}

// One line each, so that the template's indentation stays right (parsed as flow YAML).
const templates = `- {name: item, label: Item, uri: 'items://{id}', description: One item., call: items.get-item}
            - {name: item-flag, label: Item flag, uri: 'flags://{id}/{active}', description: An item filtered., call: items.get-item}
            - {name: many-file, label: Many file, uri: 'many://all/{file}', description: A file., call: items.list-items}
            - {name: switch, label: Switch, uri: 'switch://{flag}', description: An item by flag., call: items.get-item, with: {active: mcp.flag, id: '1'}}
            - {name: tree-file, label: Tree file, uri: 'tree://root/{dir}/{name}', description: A file., call: items.get-file}`;

const prompts = `prompts:
            - {name: review, label: Review, description: Review a topic., arguments: [{name: topic, description: The topic.}, {name: tone, description: The tone., required: false}], template: [{role: user, content: 'Review {{topic}}'}]}
            - {name: plain, label: Plain, description: No arguments., template: [{role: user, content: Hello.}]}`;

async function completions(withPrompts = true, withTemplates = true): Promise<CompiledCompletions> {
  const { adapter, runtime } = await compile(capability(withPrompts, withTemplates));
  return compileCompletions(
    adapter,
    compileResources(adapter, runtime),
    compilePrompts(adapter, runtime),
  );
}

/** Validates the YAML (failing on errors) and builds its runtime and first MCP adapter. */
async function compile(text: string): Promise<{ adapter: ExposesMcp; runtime: Runtime }> {
  const result = await createValidator().validateText(path.join(dir, 'capability.yaml'), text);
  const capability = result.capability;
  if (capability === undefined) {
    throw new Error(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  }
  const runtime = createRuntime(capability, { env: {} });
  runtimes.push(runtime);
  const adapter = capability.doc.capability?.exposes?.find((a) => a.type === 'mcp');
  if (adapter?.type !== 'mcp') throw new Error('no MCP adapter');
  return { adapter, runtime };
}

async function rejection(promise: Promise<unknown>): Promise<RpcError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RpcError) return err;
    throw err;
  }
  throw new Error('expected an RpcError');
}

const resource = (uri: string, name: string, value = '', context?: Record<string, string>) => ({
  ref: { type: 'ref/resource', uri },
  argument: { name, value },
  ...(context !== undefined ? { context: { arguments: context } } : {}),
});

describe('completion: presence', () => {
  it('is present with prompt arguments or URI templates, absent with neither', async () => {
    expect((await completions(true, true)).present).toBe(true);
    expect((await completions(true, false)).present).toBe(true);
    expect((await completions(false, true)).present).toBe(true);
    expect((await completions(false, false)).present).toBe(false);
  });
});

describe('completion: prompt arguments', () => {
  it('answers a declared argument with no values (alpha2 arguments declare none)', async () => {
    const c = await completions();
    for (const name of ['topic', 'tone']) {
      await expect(
        c.complete({ ref: { type: 'ref/prompt', name: 'review' }, argument: { name, value: 'x' } }),
      ).resolves.toEqual({ completion: { values: [], total: 0, hasMore: false } });
    }
  });

  it.each([
    [{ type: 'ref/prompt', name: 'missing' }, 'arg', 'unknown prompt: missing'],
    [{ type: 'ref/prompt', name: 'review' }, 'audience', 'review has no argument audience'],
    [{ type: 'ref/prompt', name: 'plain' }, 'topic', 'plain has no argument topic'],
  ])('refuses %j argument %s with -32602', async (ref, name, message) => {
    const c = await completions();
    const err = await rejection(c.complete({ ref, argument: { name, value: '' } }));
    expect(err.code).toBe(RPC_INVALID_PARAMS);
    expect(err.message).toContain(message);
  });
});

describe('completion: URI template variables', () => {
  it('offers static and exact dynamic URIs that match the template, with the prefix', async () => {
    const c = await completions();
    // items://7 is a static file, items://all an exact dynamic URI; both match items://{id}.
    expect((await c.complete(resource('items://{id}', 'id'))).completion).toEqual({
      values: ['7', 'all'],
      total: 2,
      hasMore: false,
    });
    expect((await c.complete(resource('items://{id}', 'id', 'a'))).completion.values).toEqual([
      'all',
    ]);
    expect((await c.complete(resource('items://{id}', 'id', 'x'))).completion).toEqual({
      values: [],
      total: 0,
      hasMore: false,
    });
  });

  it('offers the values a boolean input declares, in declared order, prefix-filtered', async () => {
    const c = await completions();
    expect((await c.complete(resource('flags://{id}/{active}', 'active'))).completion).toEqual({
      values: ['true', 'false'],
      total: 2,
      hasMore: false,
    });
    expect(
      (await c.complete(resource('flags://{id}/{active}', 'active', 'f'))).completion.values,
    ).toEqual(['false']);
    // A string input declares nothing, and no URI matches flags://...
    expect((await c.complete(resource('flags://{id}/{active}', 'id'))).completion.values).toEqual(
      [],
    );
  });

  it('offers the values of the consumed parameter a variable feeds through `with`', async () => {
    const c = await completions();
    expect((await c.complete(resource('switch://{flag}', 'flag', 't'))).completion).toEqual({
      values: ['true'],
      total: 1,
      hasMore: false,
    });
  });

  it('cuts at 100 values with total and hasMore', async () => {
    const c = await completions();
    const all = (await c.complete(resource('many://all/{file}', 'file', 'f'))).completion;
    expect(all.total).toBe(150);
    expect(all.hasMore).toBe(true);
    expect(all.values).toHaveLength(100);
    expect(all.values[0]).toBe('f000.txt');
    expect(all.values[99]).toBe('f099.txt');
    const some = (await c.complete(resource('many://all/{file}', 'file', 'f14'))).completion;
    expect(some).toEqual({
      values: Array.from({ length: 10 }, (_, i) => `f14${i}.txt`),
      total: 10,
      hasMore: false,
    });
    const exactlyHundred = (await c.complete(resource('many://all/{file}', 'file', 'f0')))
      .completion;
    expect(exactlyHundred).toMatchObject({ total: 100, hasMore: false });
    expect(exactlyHundred.values).toHaveLength(100);
  });

  it('filters by a case-sensitive prefix, keeps first-seen order and narrows by context', async () => {
    const c = await completions();
    expect((await c.complete(resource('tree://root/{dir}/{name}', 'dir'))).completion).toEqual({
      values: ['a', 'b'],
      total: 2,
      hasMore: false,
    });
    expect(
      (await c.complete(resource('tree://root/{dir}/{name}', 'name'))).completion.values,
    ).toEqual(['x.txt', 'y.txt', 'Apple.txt', 'z.txt']);
    expect(
      (await c.complete(resource('tree://root/{dir}/{name}', 'name', 'A'))).completion.values,
    ).toEqual(['Apple.txt']);
    expect(
      (await c.complete(resource('tree://root/{dir}/{name}', 'name', 'a'))).completion.values,
    ).toEqual([]);
    expect(
      (await c.complete(resource('tree://root/{dir}/{name}', 'name', '', { dir: 'a' }))).completion
        .values,
    ).toEqual(['x.txt', 'y.txt']);
    // Context names that are not variables of the template are ignored.
    expect(
      (await c.complete(resource('tree://root/{dir}/{name}', 'dir', '', { other: 'z' }))).completion
        .values,
    ).toEqual(['a', 'b']);
  });

  it('sees files added to a folder after load', async () => {
    const c = await completions();
    await fs.writeFile(path.join(dir, 'tree', 'a', 'new.txt'), 'new');
    expect(
      (await c.complete(resource('tree://root/{dir}/{name}', 'name', 'n', { dir: 'a' }))).completion
        .values,
    ).toEqual(['new.txt']);
  });

  it('answers a concrete resource URI with no values', async () => {
    const c = await completions();
    expect((await c.complete(resource('items://all', 'id'))).completion).toEqual({
      values: [],
      total: 0,
      hasMore: false,
    });
  });

  it.each([
    ['nothing://{id}', 'id', 'unknown resource template: nothing://{id}'],
    ['items://{id}', 'name', 'items://{id} has no variable name'],
  ])('refuses template %s variable %s with -32602', async (uri, name, message) => {
    const c = await completions();
    const err = await rejection(c.complete(resource(uri, name)));
    expect(err.code).toBe(RPC_INVALID_PARAMS);
    expect(err.message).toContain(message);
  });
});

describe('completion: malformed params', () => {
  it.each([
    ['no params', undefined],
    ['an array', []],
    ['no ref', { argument: { name: 'id', value: '' } }],
    [
      'a ref of another type',
      { ref: { type: 'ref/tool', name: 'x' }, argument: { name: 'a', value: '' } },
    ],
    [
      'a prompt ref without name',
      { ref: { type: 'ref/prompt' }, argument: { name: 'a', value: '' } },
    ],
    [
      'a resource ref without uri',
      { ref: { type: 'ref/resource', name: 'x' }, argument: { name: 'a', value: '' } },
    ],
    ['no argument', { ref: { type: 'ref/prompt', name: 'review' } }],
    [
      'an argument without value',
      { ref: { type: 'ref/prompt', name: 'review' }, argument: { name: 'topic' } },
    ],
    [
      'a numeric value',
      { ref: { type: 'ref/prompt', name: 'review' }, argument: { name: 'topic', value: 1 } },
    ],
    ['a context that is not an object', { ...resource('items://{id}', 'id'), context: 'x' }],
    [
      'context arguments that are not strings',
      resource('items://{id}', 'id', '', { a: 1 } as never),
    ],
  ])('refuses %s with -32602', async (_what, params) => {
    const c = await completions();
    const err = await rejection(c.complete(params));
    expect(err.code).toBe(RPC_INVALID_PARAMS);
  });
});

describe('completion: values a pattern declares', () => {
  it.each([
    ['^(a|b|c)$', ['a', 'b', 'c']],
    ['^(?:red|green)$', ['red', 'green']],
    ['^only$', ['only']],
    ['^(a\\.b|c\\-d)$', ['a.b', 'c-d']],
    ['^a|b$', []],
    ['^(a|b)', []],
    ['(a|b)$', []],
    ['^[ab]$', []],
    ['^(a|b)+$', []],
    ['^(a|\\d)$', []],
    ['^(a|(b))$', []],
  ])('%s → %j', (source, values) => {
    expect(patternLiterals(source)).toEqual(values);
  });

  it('reads booleans and patterns from an input spec', () => {
    expect(declaredValues({ name: 'x', type: 'boolean', required: false })).toEqual([
      'true',
      'false',
    ]);
    expect(
      declaredValues({ name: 'x', type: 'string', required: true, pattern: /^(one|two)$/ }),
    ).toEqual(['one', 'two']);
    expect(declaredValues({ name: 'x', type: 'string', required: true })).toEqual([]);
    expect(declaredValues(undefined)).toEqual([]);
  });
});
