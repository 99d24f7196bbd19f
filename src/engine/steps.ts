/**
 * Orchestrated mode (contract §9): `steps` run in order. A `call` step stores its upstream body
 * under the step's name (shaped by the consumed operation's own `outputParameters` when it
 * declares some: consumed-outputs.ts); a `lookup` step finds, in an earlier step's array, the entries whose
 * `match` field equals `lookupValue` and keeps their `outputParameters` fields; `mappings`
 * (`targetName` ← JSONPath over `{stepName: output}`) build the result. A `script` step runs
 * JavaScript in a sandbox (script-step.ts) and stores its `result` like a call's body.
 * A call whose context carries `events` (an MCP tool call reporting progress or logging) hears
 * of each step's start and end.
 */
import { NaftikoError } from '../errors.js';
import type { UpstreamResponse } from '../consumes/http/index.js';
import { compileTemplate } from '../spec/template.js';
import type { Template } from '../spec/template.js';
import type { CallEvents, RequestContext } from '../observability/request-context.js';
import type { OperationStep, StepOutputMapping } from '../spec/types.js';
import { compileConsumedOutputs } from './consumed-outputs.js';
import type { InvocationContext } from './invocation.js';
import { compilePath } from './jsonpath.js';
import type { CompiledPath } from './jsonpath.js';
import { scriptSettings } from './script-config.js';
import { compileScriptStep } from './script-step.js';
import { createScope } from './scope.js';
import { compileWith } from './with-injector.js';

type StepOutcome =
  { kind: 'value'; value: unknown } | { kind: 'upstream'; response: UpstreamResponse };
type StepRunner = (
  inputs: Readonly<Record<string, unknown>>,
  outputs: Map<string, unknown>,
  signal?: AbortSignal,
  context?: RequestContext,
) => Promise<UpstreamResponse | undefined>;

export interface CompiledSteps {
  run(
    inputs: Readonly<Record<string, unknown>>,
    signal?: AbortSignal,
    context?: RequestContext,
  ): Promise<StepOutcome>;
}

export function compileSteps(
  steps: readonly OperationStep[],
  mappings: readonly StepOutputMapping[],
  prefixes: readonly string[],
  ctx: InvocationContext,
): CompiledSteps {
  const runners = steps.map((step) => traced(step, compileStep(step, prefixes, ctx)));
  const targets = mappings.map((m) => ({ target: m.targetName, path: compilePath(m.value) }));
  const last = steps.at(-1)?.name;
  const names = steps.map((step) => step.name);
  return {
    async run(inputs, signal, context) {
      const outputs = new Map<string, unknown>();
      const events = context?.events;
      if (events !== undefined) {
        const failed = await runReporting(runners, names, events, inputs, outputs, signal, context);
        if (failed) return { kind: 'upstream', response: failed };
      } else {
        for (const runner of runners) {
          const failed = await runner(inputs, outputs, signal, context);
          if (failed) return { kind: 'upstream', response: failed };
        }
      }
      if (targets.length === 0) return { kind: 'value', value: last ? outputs.get(last) : null };
      const byStep = Object.fromEntries(outputs);
      const result: Record<string, unknown> = {};
      for (const { target, path } of targets) setPath(result, target, path.evaluate(byStep));
      return { kind: 'value', value: result };
    },
  };
}

/**
 * The steps in order, each announced to the call's events before it starts and after it ended
 * (an upstream error status ends it too; a throw does not: the call's own end reports it).
 * Stops at the first step that failed.
 */
async function runReporting(
  runners: readonly StepRunner[],
  names: readonly string[],
  events: CallEvents,
  inputs: Readonly<Record<string, unknown>>,
  outputs: Map<string, unknown>,
  signal: AbortSignal | undefined,
  context: RequestContext | undefined,
): Promise<UpstreamResponse | undefined> {
  const total = runners.length;
  for (let index = 0; index < total; index++) {
    const name = names[index] as string;
    events.stepStart?.(index, total, name);
    const failed = await (runners[index] as StepRunner)(inputs, outputs, signal, context);
    events.stepEnd?.(index, total, name);
    if (failed) return failed;
  }
  return undefined;
}

function compileStep(
  step: OperationStep,
  prefixes: readonly string[],
  ctx: InvocationContext,
): StepRunner {
  switch (step.type) {
    case 'call': {
      const operation = ctx.operation(step.call);
      if (operation === undefined)
        throw new NaftikoError('INTERNAL', `unresolved call ${step.call}`);
      const injector = compileWith(step.with, prefixes);
      const names = operation.parameters.filter((p) => !p.fixed).map((p) => p.name);
      const project = compileConsumedOutputs(operation.outputParameters);
      return async (inputs, outputs, signal, context) => {
        const scope = createScope(inputs, ctx.bound, outputs);
        const response = await operation.invoke(
          injector.resolve(inputs, scope, names),
          scope,
          signal,
          { context },
        );
        if (response.status >= 400) return response;
        outputs.set(step.name, project ? project(response.body) : response.body);
        return undefined;
      };
    }
    case 'lookup': {
      const value: { path: CompiledPath } | { template: Template } = step.lookupValue
        .trim()
        .startsWith('$')
        ? { path: compilePath(step.lookupValue) }
        : { template: compileTemplate(step.lookupValue) };
      return async (inputs, outputs) => {
        const wanted =
          'path' in value
            ? value.path.evaluate(Object.fromEntries(outputs))
            : value.template.render(createScope(inputs, ctx.bound, outputs)).text;
        outputs.set(
          step.name,
          lookup(outputs.get(step.index), step.match, wanted, step.outputParameters),
        );
        return undefined;
      };
    }
    case 'script':
      return compileScriptStep(
        step,
        prefixes,
        ctx.bound,
        ctx.scripts ?? scriptSettings({ naftiko: '1.0.0-alpha2' }, { baseDir: process.cwd() }),
      );
  }
}

/**
 * A step recorded as an internal span under the request's (tracing on): its name and type, and
 * its failure — an upstream error status, or the stable code of what it threw.
 */
function traced(step: OperationStep, runner: StepRunner): StepRunner {
  const name = `step ${step.name}`;
  return async (inputs, outputs, signal, context) => {
    const span = context?.span;
    if (span === undefined || !span.recording) return runner(inputs, outputs, signal, context);
    const child = span.child(name, 'internal', {
      'naftiko.step.name': step.name,
      'naftiko.step.type': step.type,
    });
    try {
      const failed = await runner(inputs, outputs, signal, {
        ...(context as RequestContext),
        span: child,
      });
      child.end(failed !== undefined ? String(failed.status) : undefined);
      return failed;
    } catch (err) {
      child.end(err instanceof NaftikoError ? err.code : 'ERROR');
      throw err;
    }
  };
}

/** Entries of `index` whose `match` equals the wanted value (or one of the wanted values). */
function lookup(
  index: unknown,
  match: string,
  wanted: unknown,
  fields: readonly string[],
): unknown {
  const entries = Array.isArray(index) ? index : [];
  const project = (entry: unknown) =>
    Object.fromEntries(fields.map((f) => [f, (entry as Record<string, unknown>)?.[f] ?? null]));
  const matches = (entry: unknown, value: unknown) =>
    entry !== null &&
    typeof entry === 'object' &&
    String((entry as Record<string, unknown>)[match]) === String(value);
  if (Array.isArray(wanted)) {
    return wanted.flatMap((w) => entries.filter((e) => matches(e, w)).map(project));
  }
  const found = entries.find((e) => matches(e, wanted));
  return found === undefined ? null : project(found);
}

/** Sets `a.b.c` inside an object, creating the intermediate objects. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  let current = target;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    current = (current[segment] = next !== null && typeof next === 'object' ? next : {}) as Record<
      string,
      unknown
    >;
  }
  current[segments.at(-1) as string] = value === undefined ? null : value;
}
