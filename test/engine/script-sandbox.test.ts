/**
 * The QuickJS sandbox of script steps, run for real: `context` in, `result` out, and every way a
 * script can misbehave (throwing, looping, allocating, recursing) ending in a typed outcome
 * within its limits, with the sandbox still answering afterwards.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRIPT_LIMITS } from '../../src/engine/script-config.js';
import type { ScriptLimits } from '../../src/engine/script-config.js';
import { loadSandbox, runScript } from '../../src/engine/script-sandbox.js';

const run = (code: string, context: unknown = {}, limits: Partial<ScriptLimits> = {}) =>
  runScript([{ name: 'test.js', code }], JSON.stringify(context), {
    ...DEFAULT_SCRIPT_LIMITS,
    ...limits,
  });

describe('script sandbox', () => {
  it('reads `context` and returns `result` as JSON', async () => {
    const outcome = await run(
      'result = { total: context.items.reduce((a, b) => a + b.price, 0), who: context.name };',
      { name: 'Ada', items: [{ price: 2 }, { price: 3.5 }] },
    );
    expect(outcome).toEqual({ ok: true, value: { total: 5.5, who: 'Ada' } });
  });

  it('takes `result` however the script declares it, and null when it sets none', async () => {
    expect(await run('let result = [1, "two", null, true];')).toEqual({
      ok: true,
      value: [1, 'two', null, true],
    });
    expect(await run('const result = "text";')).toEqual({ ok: true, value: 'text' });
    expect(await run('var result = 42;')).toEqual({ ok: true, value: 42 });
    expect(await run('var x = 1;')).toEqual({ ok: true, value: null });
    expect(await run('result = function () {};')).toEqual({ ok: true, value: null });
  });

  it('runs dependencies first, in one global scope', async () => {
    const outcome = await runScript(
      [
        {
          name: 'lib/sum.js',
          code: 'function sum(list) { return list.reduce((a, b) => a + b, 0); }',
        },
        { name: 'main.js', code: 'result = sum(context.values);' },
      ],
      JSON.stringify({ values: [1, 2, 3] }),
      DEFAULT_SCRIPT_LIMITS,
    );
    expect(outcome).toEqual({ ok: true, value: 6 });
  });

  it('reports what a script throws, truncated', async () => {
    expect(await run('throw new TypeError("bad input " + context.id);', { id: 7 })).toEqual({
      ok: false,
      reason: 'exception',
      message: 'TypeError: bad input 7',
    });
    expect(await run('throw "plain";')).toEqual({
      ok: false,
      reason: 'exception',
      message: 'threw plain',
    });
    const long = await run('throw new Error("x".repeat(5000));');
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.message.length).toBeLessThanOrEqual(201);
    expect(await run('result = context.missing.field;')).toMatchObject({
      ok: false,
      reason: 'exception',
      message: expect.stringMatching(/^TypeError: /),
    });
    expect(await run('result = {;')).toMatchObject({ ok: false, reason: 'exception' });
  });

  it('stops an endless loop at the deadline, and the next run works', async () => {
    const started = performance.now();
    const outcome = await run('for (;;) {}', {}, { timeoutMs: 200, statementLimit: 1e12 });
    const elapsed = performance.now() - started;
    expect(outcome).toEqual({ ok: false, reason: 'timeout', message: 'interrupted' });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
    expect(await run('result = 1 + 1;')).toEqual({ ok: true, value: 2 });
  });

  it('stops a script that catches and retries at the deadline too', async () => {
    const outcome = await run(
      'for (;;) { try { for (;;) {} } catch (e) {} }',
      {},
      {
        timeoutMs: 100,
        statementLimit: 1e12,
      },
    );
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout' });
  });

  it('enforces the statement budget', async () => {
    expect(
      await run(
        'let n = 0; for (let i = 0; i < 1000; i++) n++; result = n;',
        {},
        {
          statementLimit: 50_000,
        },
      ),
    ).toEqual({ ok: true, value: 1000 });
    expect(
      await run(
        'let n = 0; for (let i = 0; i < 1e7; i++) n++; result = n;',
        {},
        {
          statementLimit: 50_000,
          timeoutMs: 10_000,
        },
      ),
    ).toEqual({ ok: false, reason: 'statements', message: 'interrupted' });
  });

  it('stops a memory bomb', async () => {
    const started = performance.now();
    const bomb = await run('let a = []; for (;;) a.push(new Array(1e6));');
    expect(bomb.ok).toBe(false);
    if (!bomb.ok) expect(['memory', 'timeout', 'statements']).toContain(bomb.reason);
    expect(performance.now() - started).toBeLessThan(3_000);
    const unbounded = { statementLimit: 1e12, timeoutMs: 10_000 };
    expect(
      await run('let a = []; for (;;) a.push({ x: [1, 2, 3] });', {}, unbounded),
    ).toMatchObject({
      ok: false,
      reason: 'memory',
    });
    expect(await run('result = "x".repeat(1e8).length;', {}, unbounded)).toMatchObject({
      ok: false,
      reason: 'memory',
    });
    expect(await run('result = "still here";')).toEqual({ ok: true, value: 'still here' });
  });

  it('stops deep recursion', async () => {
    expect(await run('function down(n) { return down(n + 1) + 1; } result = down(0);')).toEqual({
      ok: false,
      reason: 'stack',
      message: expect.stringMatching(/stack overflow/),
    });
    expect(
      await run('const o = {}; o.toString = function () { return String(this); }; String(o);'),
    ).toMatchObject({ ok: false, reason: 'stack' });
    expect(await run('result = [1, 2].map((x) => x * 2);')).toEqual({ ok: true, value: [2, 4] });
  });

  it('gives scripts no host access', async () => {
    const outcome = await run(`result = {
      require: typeof require, process: typeof process, fetch: typeof globalThis.fetch,
      module: typeof module, std: typeof std, os: typeof os, print: typeof print,
      setTimeout: typeof setTimeout, WebAssembly: typeof WebAssembly,
      console: typeof console.log, logged: console.log("ignored") === undefined,
    };`);
    expect(outcome).toEqual({
      ok: true,
      value: {
        require: 'undefined',
        process: 'undefined',
        fetch: 'undefined',
        module: 'undefined',
        std: 'undefined',
        os: 'undefined',
        print: 'undefined',
        setTimeout: 'undefined',
        WebAssembly: 'undefined',
        console: 'function',
        logged: true,
      },
    });
    expect(await run('import("node:fs").then(() => 1); result = 1;')).toMatchObject({ ok: true });
  });

  it('keeps each run apart', async () => {
    await run('globalThis.leak = "secret"; result = 1;');
    expect(await run('result = typeof leak;')).toEqual({ ok: true, value: 'undefined' });
  });

  it('frees every run: 500 runs leave the WASM heap where it was', async () => {
    const quickjs = await loadSandbox();
    const script = 'result = context.list.map((x) => ({ x, y: String(x).repeat(10) }));';
    const context = { list: Array.from({ length: 200 }, (_, i) => i) };
    for (let i = 0; i < 20; i++) await run(script, context);
    await run('throw new Error("warm the failure path too")');
    await run('for (;;) {}', {}, { timeoutMs: 20 });
    const heap = quickjs.getWasmMemory().buffer.byteLength;
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 500; i++) {
      const outcome = await run(script, context);
      expect(outcome.ok).toBe(true);
      if (i % 100 === 0) {
        await run('throw new Error("boom")');
        await run('for (;;) {}', {}, { timeoutMs: 5 });
      }
    }
    expect(quickjs.getWasmMemory().buffer.byteLength).toBe(heap);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);
});
