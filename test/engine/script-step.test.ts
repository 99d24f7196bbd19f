/**
 * Script steps through a real runtime (contract §9): the files a capability names next to it,
 * the `context` a script sees, `management.scripting` defaults and limits, the refusals at load
 * (Python, scripting off, a language not allowed, a missing or escaping file) and the errors a
 * failing script turns into. Also the `script-language` validation warning.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NaftikoError } from '../../src/errors.js';
import { createRuntime } from '../../src/engine/runtime.js';
import type { Runtime } from '../../src/engine/runtime.js';
import { createValidator } from '../../src/spec/validate.js';
import type { ExposedOperation, ExposesRest } from '../../src/spec/types.js';
import { yaml } from '../helpers/validate.js';

let dir: string;
const runtimes: Runtime[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'naftiko-scripts-'));
  mkdirSync(path.join(dir, 'scripts', 'lib'), { recursive: true });
  const files: Record<string, string> = {
    'scripts/echo.js': 'result = context;',
    'scripts/greet.js':
      'result = { text: greeting(context.script.name), said: context.script.greeting, shout: context.shout };',
    'scripts/lib/greeting.js': 'function greeting(name) { return "Hello, " + name + "!"; }',
    'scripts/throws.js': 'throw new Error("token was " + context.token);',
    'scripts/loop.js': 'for (;;) {}',
    'secret.js': 'result = "outside";',
  };
  for (const [name, code] of Object.entries(files)) writeFileSync(path.join(dir, name), code);
  symlinkSync(path.join(dir, 'secret.js'), path.join(dir, 'scripts', 'link.js'));
});

afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** A capability in `dir` whose REST operation `run` has the given steps (YAML, indented 14). */
async function load(steps: string, extra = '', env: Record<string, string> = {}) {
  const text = yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Scripts
      description: Script steps.
    binds:
      - namespace: keys
        keys:
          TOKEN: SCRIPT_TEST_TOKEN
    capability:
      exposes:
        - type: rest
          port: 8080
          namespace: api
          resources:
            - path: /run
              name: run
              description: Runs the steps.
              operations:
                - name: run
                  method: POST
                  steps:
${steps}
${extra}`;
  const result = await createValidator().validateText(path.join(dir, 'capability.yaml'), text);
  const capability = result.capability;
  if (capability === undefined) {
    throw new Error(result.diagnostics.map((d) => `${d.rule} ${d.message}`).join('\n'));
  }
  const runtime = createRuntime(capability, { env: { SCRIPT_TEST_TOKEN: 's3cr3t-token', ...env } });
  runtimes.push(runtime);
  const adapter = capability.doc.capability?.exposes?.[0] as ExposesRest;
  const operation = adapter.resources?.[0]?.operations?.[0] as ExposedOperation;
  return {
    diagnostics: result.diagnostics,
    compile: () => runtime.invocation(operation, 'api'),
  };
}

const step = (file: string, more = '') =>
  [
    '                    - type: script',
    '                      name: script',
    '                      language: javascript',
    "                      location: 'file:///./scripts'",
    `                      file: ${file}`,
    ...(more ? more.split('\n').map((l) => `                      ${l}`) : []),
  ].join('\n');

const control = (scripting: string) =>
  [
    '        - type: control',
    '          port: 9090',
    '          management:',
    '            scripting:',
    ...scripting.split('\n').map((l) => `              ${l}`),
  ].join('\n');

function loadError(fn: () => unknown): NaftikoError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NaftikoError) return err;
    throw err;
  }
  throw new Error('expected a NaftikoError');
}

describe('script steps', () => {
  it('gives the script the inputs, earlier outputs and rendered `with`, and keeps its result', async () => {
    const { compile } = await load(
      [
        step('echo.js', 'with:\n  greeting: "Hi {{who}}"\n  answer: 42\n  name: rest.who'),
        step('greet.js', 'dependencies:\n  - lib/greeting.js').replace(
          'name: script',
          'name: greet',
        ),
      ].join('\n'),
    );
    const invocation = compile();
    expect(await invocation.run({ who: 'Ada', shout: true })).toEqual({
      kind: 'value',
      value: { text: 'Hello, Ada!', said: 'Hi Ada', shout: true },
    });
    // The first step's output, stored under its name, is what the script saw.
    const echo = (await load(step('echo.js', 'with:\n  greeting: "Hi {{who}}"\n  n: 1'))).compile();
    expect(await echo.run({ who: 'Ada' })).toEqual({
      kind: 'value',
      value: { who: 'Ada', greeting: 'Hi Ada', n: 1 },
    });
  });

  it('takes the location and language from management.scripting defaults', async () => {
    const { compile } = await load(
      [
        '                    - type: script',
        '                      name: script',
        '                      file: echo.js',
      ].join('\n'),
      control("defaultLocation: 'file:///./scripts'\ndefaultLanguage: javascript"),
    );
    expect(await compile().run({ a: 1 })).toEqual({ kind: 'value', value: { a: 1 } });
  });

  it('refuses Python and Groovy at load, naming the step', async () => {
    for (const language of ['python', 'groovy']) {
      const { compile, diagnostics } = await load(
        step('echo.js').replace('language: javascript', `language: ${language}`),
      );
      const err = loadError(compile);
      expect(err.code).toBe('NOT_IMPLEMENTED');
      expect(err.message).toBe(
        `script step "script": language ${language} is not supported: this engine runs JavaScript script steps only`,
      );
      const warning = diagnostics.find((d) => d.rule === 'script-language');
      expect(warning?.severity).toBe('warning');
      expect(warning?.message).toContain('"script"');
    }
  });

  it('honours scripting.enabled, NAFTIKO_SCRIPTING and allowedLanguages', async () => {
    const off = await load(step('echo.js'), control('enabled: false'));
    expect(loadError(off.compile).message).toBe(
      'script step "script": scripting is disabled (management.scripting.enabled is false on the control adapter)',
    );
    const env = await load(step('echo.js'), '', { NAFTIKO_SCRIPTING: 'false' });
    expect(loadError(env.compile).message).toContain('NAFTIKO_SCRIPTING=false');
    const on = await load(step('echo.js'), control('enabled: true'), {
      NAFTIKO_SCRIPTING: 'false',
    });
    expect(await on.compile().run({})).toEqual({ kind: 'value', value: {} });
    const python = await load(step('echo.js'), control('allowedLanguages: [python]'));
    expect(loadError(python.compile).message).toContain(
      'language javascript is not among management.scripting.allowedLanguages (python)',
    );
    expect(python.diagnostics.map((d) => d.rule)).toContain('script-language');
  });

  it('refuses a missing file or one outside the location', async () => {
    const missing = await load(step('nope.js'));
    expect(loadError(missing.compile).message).toBe(
      'script step "script": cannot read file "nope.js" from file:///./scripts (ENOENT)',
    );
    for (const file of ['../secret.js', 'link.js', path.join(dir, 'secret.js')]) {
      const outside = await load(step(JSON.stringify(file)));
      const err = loadError(outside.compile);
      expect(err.code).toBe('SPEC_INVALID');
      expect(err.message).toContain('is outside its location');
    }
    const dependency = await load(step('echo.js', 'dependencies:\n  - ../secret.js'));
    expect(loadError(dependency.compile).message).toContain('"../secret.js" is outside');
  });

  it('turns a throwing script into an error naming the step, without secrets', async () => {
    const { compile } = await load(step('throws.js', 'with:\n  token: "{{TOKEN}}"'));
    const err = await compile()
      .run({})
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(NaftikoError);
    expect((err as NaftikoError).message).toBe(
      'script step "script" (throws.js) failed: Error: token was [redacted]',
    );
    expect((err as NaftikoError).details).toEqual({ step: 'script', reason: 'exception' });
  });

  it('stops a looping script at management.scripting.timeout', async () => {
    const { compile } = await load(
      step('loop.js'),
      control('timeout: 150\nstatementLimit: 1000000000'),
    );
    const invocation = compile();
    const started = performance.now();
    await expect(invocation.run({})).rejects.toThrow(
      'script step "script" (loop.js) ran longer than its 150 ms timeout',
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    const budget = await load(step('loop.js'), control('statementLimit: 20000'));
    await expect(budget.compile().run({})).rejects.toThrow('ran past its statement limit (20000)');
  });

  it('validates without script-language warnings for JavaScript steps', async () => {
    const { diagnostics } = await load(step('echo.js'));
    expect(diagnostics.filter((d) => d.rule === 'script-language')).toEqual([]);
  });
});
