/**
 * A `type: script` step (contract §9). At load: the language is checked (JavaScript only; the
 * control adapter's `management.scripting` may switch scripting off or restrict languages), the
 * source files are read, and the sandbox starts loading. Per request: the global `context`
 * holds the caller's inputs, every earlier step's output by step name and the step's rendered
 * `with` values (in that order, later ones winning, as in the reference engine); the global
 * `result` the script leaves becomes the step's output, like a call's body.
 */
import { NaftikoError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { OperationStepScript } from '../spec/types.js';
import type { Lookup } from '../spec/template.js';
import type { ScriptSettings } from './script-config.js';
import { preloadSandbox, runScript } from './script-sandbox.js';
import type { ScriptFailureReason } from './script-sandbox.js';
import { metrics } from '../observability/metrics.js';
import { readScriptSources } from './script-source.js';
import { createScope } from './scope.js';
import { compileWith } from './with-injector.js';

/** The code of a script that fails while it runs (timeout, budget, memory, an exception). */
const SCRIPT_FAILED: ErrorCode = 'SCRIPT_FAILED';

export type ScriptStepRunner = (
  inputs: Readonly<Record<string, unknown>>,
  outputs: Map<string, unknown>,
) => Promise<undefined>;

export function compileScriptStep(
  step: OperationStepScript,
  prefixes: readonly string[],
  bound: Lookup,
  settings: ScriptSettings,
): ScriptStepRunner {
  const language = step.language ?? settings.defaultLanguage;
  checkLanguage(step.name, language, settings);
  const location = step.location ?? settings.defaultLocation;
  if (location === undefined) {
    throw new NaftikoError(
      'SPEC_INVALID',
      `script step "${step.name}" has no location and the control adapter sets no management.scripting.defaultLocation`,
      { details: { step: step.name } },
    );
  }
  const sources = readScriptSources(
    step.name,
    location,
    [...(step.dependencies ?? []), step.file],
    settings,
  );
  const injector = step.with === undefined ? undefined : compileWith(step.with, prefixes);
  const { limits } = settings;
  preloadSandbox();
  return async (inputs, outputs) => {
    const context: Record<string, unknown> = { ...inputs, ...Object.fromEntries(outputs) };
    if (injector !== undefined) {
      Object.assign(context, injector.resolve(inputs, createScope(inputs, bound, outputs), []));
    }
    let outcome;
    try {
      outcome = await runScript(sources, JSON.stringify(context, jsonSafe), limits);
    } catch (err) {
      throw failed(step, settings, 'exception', `the sandbox failed (${String(err)})`, err);
    }
    if (!outcome.ok) throw failed(step, settings, outcome.reason, outcome.message);
    outputs.set(step.name, outcome.value);
    return undefined;
  };
}

/** Refuses, at load, a script this engine will not run. */
function checkLanguage(
  step: string,
  language: OperationStepScript['language'],
  settings: ScriptSettings,
): void {
  const refuse = (code: ErrorCode, reason: string) =>
    new NaftikoError(code, `script step "${step}": ${reason}`, { details: { step } });
  if (!settings.enabled) {
    throw refuse('SPEC_INVALID', `scripting is disabled (${settings.disabledBy ?? 'off'})`);
  }
  if (language === undefined) {
    throw refuse(
      'SPEC_INVALID',
      'no language, and the control adapter sets no management.scripting.defaultLanguage',
    );
  }
  if (settings.allowedLanguages?.length && !settings.allowedLanguages.includes(language)) {
    throw refuse(
      'SPEC_INVALID',
      `language ${language} is not among management.scripting.allowedLanguages (${settings.allowedLanguages.join(', ')})`,
    );
  }
  if (language !== 'javascript') {
    throw refuse(
      'NOT_IMPLEMENTED',
      `language ${language} is not supported: this engine runs JavaScript script steps only`,
    );
  }
}

function failed(
  step: OperationStepScript,
  settings: ScriptSettings,
  reason: ScriptFailureReason,
  message: string,
  cause?: unknown,
): NaftikoError {
  const { limits } = settings;
  metrics().recordScriptFailure(step.name, reason);
  const why: Record<ScriptFailureReason, string> = {
    timeout: `ran longer than its ${limits.timeoutMs} ms timeout`,
    statements: `ran past its statement limit (${limits.statementLimit})`,
    memory: `used more than its ${Math.round(limits.memoryBytes / 1024 / 1024)} MiB of memory`,
    stack: `recursed too deeply (stack limit ${Math.round(limits.stackBytes / 1024)} KiB)`,
    exception: `failed: ${message}`,
  };
  return new NaftikoError(
    SCRIPT_FAILED,
    settings.redact(`script step "${step.name}" (${step.file}) ${why[reason]}`),
    { details: { step: step.name, reason }, ...(cause !== undefined ? { cause } : {}) },
  );
}

/** Values JSON cannot carry as such: big integers (lossless parses) become numbers or strings. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
}
