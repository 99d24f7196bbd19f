/**
 * Rules that every reference resolves (contract §2): `call` → a consumed operation,
 * `ref` → an aggregate function, `forward.targetNamespace` → a consumes namespace, and a lookup
 * step's `index` → an earlier step.
 */
import type { Path } from '../diagnostic-sink.js';
import type { ResolvedConsumes } from '../imports.js';
import type { OperationStep } from '../types.js';
import { aggregateFunctions, invocables, isObj, restResources } from '../walk.js';
import type { RuleContext, SemanticRule } from './rule.js';

/** The consumed operation names of a consumes block, across its resources. */
export function operationNames(consumes: ResolvedConsumes): string[] {
  return (consumes.spec.resources ?? []).flatMap((r) => r.operations.map((o) => o.name));
}

/** Every `steps` list with its path: on invocables (REST, MCP tools/resources, functions). */
function* stepLists(ctx: RuleContext): Generator<[OperationStep[], Path]> {
  for (const [invocable, path] of invocables(ctx.doc)) {
    if (Array.isArray(invocable.steps))
      yield [invocable.steps as OperationStep[], [...path, 'steps']];
  }
}

/** Every `call` value: on invocables and on call steps. */
function* calls(ctx: RuleContext): Generator<[string, Path]> {
  for (const [invocable, path] of invocables(ctx.doc)) {
    if (typeof invocable.call === 'string') yield [invocable.call, [...path, 'call']];
  }
  for (const [steps, path] of stepLists(ctx)) {
    for (const [i, step] of steps.entries()) {
      if (step.type === 'call') yield [step.call, [...path, i, 'call']];
    }
  }
}

function list(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? 'none' : all.map((n) => `"${n}"`).join(', ');
}

export const callUnresolved: SemanticRule = {
  id: 'call-unresolved',
  severity: 'error',
  summary: '`call: namespace.operation` names a consumes namespace and one of its operations.',
  check(ctx, report) {
    for (const [call, path] of calls(ctx)) {
      const dot = call.indexOf('.');
      const namespace = call.slice(0, dot);
      const operation = call.slice(dot + 1);
      const consumes = ctx.consumes.get(namespace);
      if (ctx.unresolved.has(namespace)) continue; // its import is reported already
      if (consumes === undefined) {
        report(
          `call "${call}": no consumes namespace "${namespace}" (known: ${list(ctx.consumes.keys())})`,
          path,
        );
      } else if (!operationNames(consumes).includes(operation)) {
        report(
          `call "${call}": consumes namespace "${namespace}" has no operation "${operation}" (operations: ${list(operationNames(consumes))})`,
          path,
        );
      }
    }
  },
};

/** `namespace.function` keys of every aggregate function. */
export function functionRefs(ctx: RuleContext): Set<string> {
  const refs = new Set<string>();
  for (const aggregate of ctx.doc.capability?.aggregates ?? []) {
    for (const fn of aggregate.functions) refs.add(`${aggregate.namespace}.${fn.name}`);
  }
  return refs;
}

export const refUnresolved: SemanticRule = {
  id: 'ref-unresolved',
  severity: 'error',
  summary: '`ref: namespace.function` names a function of an aggregate.',
  check(ctx, report) {
    const refs = functionRefs(ctx);
    for (const [invocable, path] of invocables(ctx.doc)) {
      if (typeof invocable.ref === 'string' && !refs.has(invocable.ref)) {
        report(`ref "${invocable.ref}": no such aggregate function (known: ${list(refs)})`, [
          ...path,
          'ref',
        ]);
      }
    }
  },
};

export const aggregateFunctionDuplicate: SemanticRule = {
  id: 'aggregate-function-duplicate',
  severity: 'error',
  summary: 'Function names are unique within an aggregate.',
  check(ctx, report) {
    const seen = new Set<string>();
    for (const [fn, path, aggregate] of aggregateFunctions(ctx.doc)) {
      const key = `${String(aggregate.namespace)}.${String(fn.name)}`;
      if (seen.has(key)) report(`aggregate function "${key}" is defined twice`, [...path, 'name']);
      seen.add(key);
    }
  },
};

export const forwardUnresolved: SemanticRule = {
  id: 'forward-unresolved',
  severity: 'error',
  summary: '`forward.targetNamespace` names a consumes namespace.',
  check(ctx, report) {
    for (const [resource, path] of restResources(ctx.doc)) {
      const forward = resource.forward;
      if (!isObj(forward) || typeof forward.targetNamespace !== 'string') continue;
      const target = forward.targetNamespace;
      if (!ctx.consumes.has(target) && !ctx.unresolved.has(target)) {
        report(
          `forward target "${forward.targetNamespace}" is not a consumes namespace (known: ${list(ctx.consumes.keys())})`,
          [...path, 'forward', 'targetNamespace'],
        );
      }
    }
  },
};

export const stepReference: SemanticRule = {
  id: 'step-unresolved',
  severity: 'error',
  summary: 'Step names are unique in their list, and a lookup step `index` names an earlier step.',
  check(ctx, report) {
    for (const [steps, path] of stepLists(ctx)) {
      const earlier = new Set<string>();
      for (const [i, step] of steps.entries()) {
        if (earlier.has(step.name)) {
          report(`step name "${step.name}" is used twice in this list`, [...path, i, 'name']);
        }
        if (step.type === 'lookup' && !earlier.has(step.index)) {
          report(
            `lookup step "${step.name}": index "${step.index}" is not an earlier step (earlier: ${list(earlier)})`,
            [...path, i, 'index'],
          );
        }
        earlier.add(step.name);
      }
    }
  },
};

export const outputSchemaMissing: SemanticRule = {
  id: 'output-schema-missing',
  severity: 'warning',
  summary:
    'An `avro` or `protobuf` consumed operation names its `outputSchema`; without it every call fails.',
  check(ctx, report) {
    for (const consumes of ctx.consumes.values()) {
      if (consumes.importedAt !== undefined) continue; // reported in its own file
      for (const [r, resource] of (consumes.spec.resources ?? []).entries()) {
        for (const [o, operation] of resource.operations.entries()) {
          const format = operation.outputRawFormat?.toLowerCase();
          if (
            (format === 'avro' || format === 'protobuf') &&
            operation.outputSchema === undefined
          ) {
            report(
              `operation "${operation.name}" reads ${format} but names no outputSchema (the schema file to decode with)`,
              [...consumes.path, 'resources', r, 'operations', o, 'outputRawFormat'],
            );
          }
        }
      }
    }
  },
};
