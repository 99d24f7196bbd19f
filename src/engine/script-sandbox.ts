/**
 * The JavaScript sandbox of script steps: QuickJS compiled to WebAssembly
 * (quickjs-emscripten-core with the release-sync variant). The interpreter has no host
 * functions at all: no `require`, `process`, `fetch`, file or network access; only the
 * language's own built-ins and a `console` whose methods do nothing.
 *
 * The WASM module is imported and instantiated on the first script step compiled (never for
 * capabilities without scripts); every run gets a fresh runtime and context, disposed after it.
 * Limits: a heap limit, a stack limit, and an interrupt handler enforcing a wall-clock deadline
 * and a tick budget. QuickJS calls the handler once every 10 000 interpreter ticks (loop turns
 * and calls), so budgets are enforced at that granularity; a single long native built-in runs
 * until its next tick, bounded by the heap limit.
 */
import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSSyncVariant,
  QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import type { ScriptLimits } from './script-config.js';
import type { ScriptSource } from './script-source.js';

/** QuickJS's JS_INTERRUPT_COUNTER_INIT: ticks between two calls of the interrupt handler. */
const TICKS_PER_POLL = 10_000;
const MAX_MESSAGE = 200;

export type ScriptFailureReason = 'timeout' | 'statements' | 'memory' | 'stack' | 'exception';

export type ScriptOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: ScriptFailureReason; readonly message: string };

let module: Promise<QuickJSWASMModule> | undefined;

/** The shared QuickJS module, imported and instantiated on first use. */
export function loadSandbox(): Promise<QuickJSWASMModule> {
  if (module === undefined) {
    const loading = (async () => {
      const [core, variant] = await Promise.all([
        import('quickjs-emscripten-core'),
        import('@jitl/quickjs-wasmfile-release-sync'),
      ]);
      // The package's types describe its CommonJS build; the library unwraps either shape.
      return core.newQuickJSWASMModuleFromVariant(variant as unknown as QuickJSSyncVariant);
    })();
    module = loading;
    // A failed load is retried by the next run rather than cached; nobody may be awaiting it yet.
    loading.catch(() => {
      if (module === loading) module = undefined;
    });
  }
  return module;
}

/** Starts loading the module in the background (at load time, when a script step is compiled). */
export function preloadSandbox(): void {
  loadSandbox().catch(() => undefined);
}

const PRELUDE = `var console = (function () {
  function ignore() {}
  return { log: ignore, info: ignore, warn: ignore, error: ignore, debug: ignore, trace: ignore };
})();
var context = JSON.parse(globalThis.__naftikoContext);
delete globalThis.__naftikoContext;`;

const RESULT = `typeof result === 'undefined' ? undefined : JSON.stringify(result)`;

/**
 * Runs `sources` in order in one fresh context with the global `context` set from
 * `contextJson`, and returns the global `result` (null when the script sets none), or why not.
 */
export async function runScript(
  sources: readonly ScriptSource[],
  contextJson: string,
  limits: ScriptLimits,
): Promise<ScriptOutcome> {
  const quickjs = await loadSandbox();
  const runtime = quickjs.newRuntime();
  let vm: QuickJSContext | undefined;
  let healthy = true;
  try {
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    const deadline = performance.now() + limits.timeoutMs;
    const maxPolls = Math.max(1, Math.ceil(limits.statementLimit / TICKS_PER_POLL));
    let polls = 0;
    let stopped: 'timeout' | 'statements' | undefined;
    runtime.setInterruptHandler(() => {
      if (stopped === undefined) {
        if (performance.now() > deadline) stopped = 'timeout';
        else if (++polls > maxPolls) stopped = 'statements';
      }
      return stopped !== undefined;
    });
    vm = runtime.newContext();
    const json = vm.newString(contextJson);
    vm.setProp(vm.global, '__naftikoContext', json);
    json.dispose();
    const steps: ScriptSource[] = [{ name: '<context>', code: PRELUDE }, ...sources];
    for (const source of steps) {
      const evaluated = vm.evalCode(source.code, source.name, { type: 'global' });
      if (evaluated.error) return failure(vm, evaluated.error, stopped);
      evaluated.value.dispose();
    }
    const out = vm.evalCode(RESULT, '<result>', { type: 'global' });
    if (out.error) return failure(vm, out.error, stopped);
    const text = vm.typeof(out.value) === 'string' ? vm.getString(out.value) : undefined;
    out.value.dispose();
    return { ok: true, value: text === undefined ? null : (JSON.parse(text) as unknown) };
  } catch (err) {
    // The host itself failed inside the interpreter (e.g. Node's own stack ran out): the
    // module's state is unknown, so it is dropped and the next run instantiates a fresh one.
    healthy = false;
    module = undefined;
    if (err instanceof RangeError) {
      return { ok: false, reason: 'stack', message: 'the interpreter ran out of stack' };
    }
    throw err;
  } finally {
    if (healthy) {
      vm?.dispose();
      runtime.dispose();
    }
  }
}

function failure(
  vm: QuickJSContext,
  error: QuickJSHandle,
  stopped: 'timeout' | 'statements' | undefined,
): ScriptOutcome {
  const thrown: unknown = vm.dump(error);
  error.dispose();
  if (stopped !== undefined) return { ok: false, reason: stopped, message: 'interrupted' };
  const { name, message } = describe(thrown);
  if (name === 'InternalError' && /out of memory/i.test(message)) {
    return { ok: false, reason: 'memory', message };
  }
  if (/stack overflow/i.test(message)) return { ok: false, reason: 'stack', message };
  const text = name ? `${name}: ${message}` : message;
  return {
    ok: false,
    reason: 'exception',
    message: text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text,
  };
}

/** Name and message of whatever the script threw (an Error, a string, anything). */
function describe(thrown: unknown): { name: string; message: string } {
  if (thrown !== null && typeof thrown === 'object') {
    const { name, message } = thrown as { name?: unknown; message?: unknown };
    if (typeof message === 'string') {
      return { name: typeof name === 'string' ? name : '', message };
    }
  }
  // QuickJS reports an allocation failure it cannot even describe as a null exception.
  if (thrown === null) return { name: 'InternalError', message: 'out of memory' };
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    text = String(thrown);
  }
  return { name: '', message: `threw ${text}` };
}
