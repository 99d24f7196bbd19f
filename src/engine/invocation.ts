/**
 * Compiles what an exposed operation, tool or aggregate function does into an `Invocation`:
 * a `call` to a consumed operation (simple mode), `steps` (orchestrated mode), a `ref` to an
 * aggregate function, or mock outputs. Done once at load; `run` is the per-request path.
 */
import { NaftikoError } from '../errors.js';
import type { ConsumedOperation, UpstreamResponse } from '../consumes/http/index.js';
import type { RequestContext } from '../observability/request-context.js';
import type { Lookup } from '../spec/template.js';
import type {
  AggregateFunction,
  ExposedInputParameter,
  McpToolInputParameter,
  Invocable,
} from '../spec/types.js';
import type { InputSpec } from './inputs.js';
import type { ScriptSettings } from './script-config.js';
import { compileOrchestrated, compileOutputs, isIdentity } from './output-mapping.js';
import type { Mapper } from './output-mapping.js';
import { createScope } from './scope.js';
import { compileSteps } from './steps.js';
import { compileWith } from './with-injector.js';

export type InvocationResult =
  /** A mapped (or mock) result; `status` is the upstream's success status when there was one. */
  | { readonly kind: 'value'; readonly value: unknown; readonly status?: number }
  /** The upstream answer as it is: no outputs to map, or an error status (>= 400). */
  | { readonly kind: 'upstream'; readonly response: UpstreamResponse };

export interface Invocation {
  readonly inputs: readonly InputSpec[];
  /** `context`: the request's id, span and exchange log (exposes/instrument.ts), when wanted. */
  run(
    inputs: Readonly<Record<string, unknown>>,
    signal?: AbortSignal,
    context?: RequestContext,
  ): Promise<InvocationResult>;
}

export interface InvocationContext {
  /** Consumed operation by `namespace.operation`. */
  operation(call: string): ConsumedOperation | undefined;
  /** Aggregate function by `namespace.function`. */
  readonly functions: ReadonlyMap<string, AggregateFunction>;
  readonly bound: Lookup;
  /** Script step settings (scripting defaults and limits, sources read); engine defaults if absent. */
  readonly scripts?: ScriptSettings;
}

export interface UnitSpec extends Invocable {
  readonly ref?: string;
  readonly inputParameters?: readonly (ExposedInputParameter | McpToolInputParameter)[];
}

export function compileInvocation(
  unit: UnitSpec,
  prefixes: readonly string[],
  ctx: InvocationContext,
): Invocation {
  if (unit.ref !== undefined) {
    const fn = ctx.functions.get(unit.ref);
    if (fn === undefined) throw new NaftikoError('INTERNAL', `unresolved ref ${unit.ref}`);
    // In a function, `<aggregate namespace>.X` is the caller's input X too.
    const aggregate = unit.ref.slice(0, unit.ref.indexOf('.'));
    const inner = compileInvocation(fn, [...prefixes, aggregate], ctx);
    // The referencing unit's own declared inputs (e.g. a REST path pattern) are checked too.
    const own = (unit.inputParameters ?? []).map(declaredInput);
    return own.length === 0
      ? inner
      : { inputs: mergeInputs(own, [...inner.inputs]), run: inner.run };
  }
  const declared = (unit.inputParameters ?? []).map(declaredInput);
  const outputList = unit.outputParameters ?? [];

  if (unit.steps?.length) {
    const steps = compileSteps(unit.steps, unit.mappings ?? [], prefixes, ctx);
    const shape =
      outputList.length && unit.mappings?.length ? compileOrchestrated(outputList) : undefined;
    return {
      inputs: declared,
      async run(inputs, signal, context) {
        const outcome = await steps.run(inputs, signal, context);
        if (outcome.kind === 'upstream') return outcome;
        return { kind: 'value', value: shape ? shape(outcome.value, ctx.bound) : outcome.value };
      },
    };
  }
  // Identity outputs (`mapping: $.`, the generators' favourite) pass the body through as bytes.
  const outputs =
    outputList.length && !isIdentity(outputList) ? compileOutputs(outputList) : undefined;
  if (unit.call !== undefined) return compileCall(unit, declared, outputs, prefixes, ctx);
  return {
    inputs: declared,
    async run(inputs) {
      const scope = createScope(inputs, ctx.bound);
      return { kind: 'value', value: outputs ? outputs(undefined, scope) : null };
    },
  };
}

function compileCall(
  unit: UnitSpec,
  declared: InputSpec[],
  outputs: Mapper | undefined,
  prefixes: readonly string[],
  ctx: InvocationContext,
): Invocation {
  const operation = ctx.operation(unit.call as string);
  if (operation === undefined) throw new NaftikoError('INTERNAL', `unresolved call ${unit.call}`);
  const injector = compileWith(unit.with, prefixes);
  const callerParams = operation.parameters.filter((p) => !p.fixed);
  const consumedNames = callerParams.map((p) => p.name);
  const unfed = unfedParameters(injector, callerParams);
  return {
    inputs: mergeInputs(declared, [
      ...derivedInputs(injector, callerParams),
      ...unfed.map(unfedInput),
      ...placeholderInputs(operation, injector, ctx.bound),
    ]),
    async run(inputs, signal, context) {
      const scope = createScope(inputs, ctx.bound);
      const args = injector.resolve(inputs, scope, consumedNames);
      // An unfed required parameter takes the caller's input of its own name (contract §4).
      for (const { name } of unfed) if (inputs[name] !== undefined) args[name] ??= inputs[name];
      // A mapped body keeps int64 values exact (contract §6); the result writers print bigints.
      const response = await operation.invoke(args, scope, signal, {
        raw: outputs === undefined,
        stream: outputs === undefined && context?.stream === true,
        losslessIntegers: outputs !== undefined,
        context,
      });
      if (response.status >= 400 || outputs === undefined) return { kind: 'upstream', response };
      return { kind: 'value', value: outputs(response.body, scope), status: response.status };
    },
  };
}

/**
 * Declared inputs first; then the consumed parameters `with` reaches that are not declared
 * (a required one must be checked even when the unit declares other inputs).
 */
function mergeInputs(declared: InputSpec[], derived: InputSpec[]): InputSpec[] {
  const names = new Set(declared.map((i) => i.name));
  return [...declared, ...derived.filter((i) => !names.has(i.name))];
}

/** The consumed parameters a unit's `with` reaches, as inputs of the unit. */
function derivedInputs(
  injector: ReturnType<typeof compileWith>,
  params: ConsumedOperation['parameters'],
): InputSpec[] {
  const inputs: InputSpec[] = [];
  for (const param of params) {
    const input = injector.passThrough ? param.name : injector.references.get(param.name);
    if (input === undefined) continue;
    inputs.push({
      name: input,
      type: param.in === 'body' && param.name === 'body' ? 'object' : param.type,
      ...(param.description !== undefined ? { description: param.description } : {}),
      // A path segment is always needed, whatever the parameter says.
      required: param.required || param.in === 'path',
      feeds: param.name,
    });
  }
  return inputs;
}

/**
 * Required consumed parameters that nothing feeds: `with` is given but has no entry for them and
 * they have no `value` (fixed ones are filtered out before). Without them the operation could
 * only ever answer 400, so (contract §4) each becomes a caller input of its own name. Without
 * any `with`, every consumed parameter already is one (same-name pass-through).
 */
function unfedParameters(
  injector: ReturnType<typeof compileWith>,
  params: ConsumedOperation['parameters'],
): ConsumedOperation['parameters'] {
  if (injector.passThrough) return [];
  return params.filter((p) => p.required && !injector.fills(p.name));
}

/** An unfed parameter as a required input the REST caller sends where the upstream wants it. */
function unfedInput(param: ConsumedOperation['parameters'][number]): InputSpec {
  const where = param.in === 'path' || param.in === 'environment' ? undefined : param.in;
  return {
    name: param.name,
    type: param.in === 'body' && param.name === 'body' ? 'object' : param.type,
    ...(param.description !== undefined ? { description: param.description } : {}),
    required: true,
    ...(where !== undefined ? { in: where } : {}),
    feeds: param.name,
  };
}

/**
 * Path placeholders of the consumed operation that no parameter declares: required inputs,
 * named as `with` references them (`imo: tools.imo`), or, when `with` leaves them out, by the
 * placeholder itself (filled from the caller's input of the same name).
 */
function placeholderInputs(
  operation: ConsumedOperation,
  injector: ReturnType<typeof compileWith>,
  bound: Lookup,
): InputSpec[] {
  const inputs: InputSpec[] = [];
  for (const name of operation.placeholders) {
    const reference = injector.references.get(name);
    if (reference !== undefined) {
      inputs.push({ name: reference, type: 'string', required: true, feeds: name });
    } else if (!injector.fills(name) && bound(name) === undefined) {
      // A placeholder a bound variable fills (`{{env.TENANT}}`) is not the caller's to give.
      inputs.push({ name, type: 'string', required: true, feeds: name });
    }
  }
  return inputs;
}

function declaredInput(p: ExposedInputParameter | McpToolInputParameter): InputSpec {
  if ('in' in p) {
    return {
      name: p.name,
      type: p.type,
      description: p.description,
      in: p.in,
      // A path segment is always present in a matched route; other declared inputs are optional.
      required: p.in === 'path',
      ...(p.pattern !== undefined ? { pattern: new RegExp(p.pattern) } : {}),
    };
  }
  return { name: p.name, type: p.type, description: p.description, required: p.required !== false };
}
