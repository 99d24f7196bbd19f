/**
 * `unfed-required-parameter` (contract §4): a unit whose `with` leaves out a *required* consumed
 * parameter that has no `value` (or a path placeholder nothing fills) gets a caller input of that
 * name at run time — listed in /openapi.json and the tool's inputSchema — instead of an operation
 * that could only answer 400. The author most likely forgot the mapping, so we say so.
 *
 * Not reported: units without `with` (every consumed parameter is then a same-name input by
 * design), names the unit already declares as inputs or as exposed path placeholders, and
 * placeholders a bound variable fills. Steps are left to the step rules.
 */
import type { ConsumedInputParameter } from '../types.js';
import { templateNames } from '../template.js';
import { invocables, isObj, restResources } from '../walk.js';
import type { Obj } from '../walk.js';
import type { RuleContext, SemanticRule } from './rule.js';

export const unfedRequiredParameter: SemanticRule = {
  id: 'unfed-required-parameter',
  severity: 'warning',
  summary:
    'A required consumed parameter (or path placeholder) that `with`, a `value` or a binding does not feed becomes a caller input of the same name.',
  check(ctx, report) {
    const exposedPaths = exposedPathNames(ctx);
    const bound = boundNames(ctx);
    for (const [unit, path, kind] of invocables(ctx.doc)) {
      if (typeof unit.call !== 'string' || !isObj(unit.with)) continue;
      const dot = unit.call.indexOf('.');
      const consumes = ctx.consumes.get(unit.call.slice(0, dot));
      const opName = unit.call.slice(dot + 1);
      const resource = consumes?.spec.resources?.find((r) =>
        r.operations.some((o) => o.name === opName),
      );
      const operation = resource?.operations.find((o) => o.name === opName);
      if (consumes === undefined || resource === undefined || operation === undefined) continue;
      const fed = new Set(Object.keys(unit.with));
      for (const p of unitInputNames(unit)) fed.add(p);
      // The REST adapter fills `orgId` from `{orgid}` and `selected_user` from `{selected-user}`.
      const fromPath = new Set((exposedPaths.get(unit) ?? []).map(loose));
      const isFed = (name: string) => fed.has(name) || fromPath.has(loose(name));
      const params = effective([
        consumes.spec.inputParameters,
        resource.inputParameters,
        operation.inputParameters,
      ]);
      const label = `${kind} "${String(unit.name ?? unit.ref ?? unit.call)}"`;
      for (const p of params) {
        if (p.required !== true || p.value !== undefined || p.in === 'environment') continue;
        if (isFed(p.name)) continue;
        report(
          `${label}: required parameter "${p.name}" (in: ${p.in}) of ${unit.call} is fed by nothing (no with entry, no value); it becomes a required caller input "${p.name}"`,
          [...path, 'with'],
          'key',
        );
      }
      const declared = new Set(params.map((p) => p.name));
      for (const name of templateNames(resource.path, { singleBrace: true })) {
        if (declared.has(name) || isFed(name) || bound.has(name)) continue;
        report(
          `${label}: path placeholder "${name}" of ${unit.call} is fed by nothing (no with entry, no binding); it becomes a required caller input "${name}"`,
          [...path, 'with'],
          'key',
        );
      }
    }
  },
};

function loose(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Effective parameters: a later (name, in) replaces an earlier one (headers case-insensitive). */
function effective(
  levels: readonly (readonly ConsumedInputParameter[] | undefined)[],
): ConsumedInputParameter[] {
  const byKey = new Map<string, ConsumedInputParameter>();
  for (const level of levels) {
    for (const p of level ?? []) {
      byKey.set(`${p.in}\u0000${p.in === 'header' ? p.name.toLowerCase() : p.name}`, p);
    }
  }
  return [...byKey.values()];
}

function unitInputNames(unit: Obj): string[] {
  const params = Array.isArray(unit.inputParameters) ? unit.inputParameters : [];
  return params.filter(isObj).flatMap((p) => (typeof p.name === 'string' ? [p.name] : []));
}

/** REST operation → the placeholders and input names of its resource (path inputs). */
function exposedPathNames(ctx: RuleContext): Map<Obj, string[]> {
  const names = new Map<Obj, string[]>();
  for (const [resource] of restResources(ctx.doc)) {
    const own =
      typeof resource.path === 'string' ? templateNames(resource.path, { singleBrace: true }) : [];
    const shared = [...own, ...unitInputNames(resource)];
    const operations = Array.isArray(resource.operations) ? resource.operations : [];
    for (const operation of operations.filter(isObj)) names.set(operation, shared);
  }
  return names;
}

/** Bound variable names, bare and as `namespace.VAR`. */
function boundNames(ctx: RuleContext): Set<string> {
  const names = new Set<string>();
  for (const binding of [...(ctx.doc.binds ?? []), ...(ctx.doc.capability?.binds ?? [])]) {
    for (const key of Object.keys(binding.keys ?? {})) {
      names.add(key);
      names.add(`${binding.namespace}.${key}`);
    }
  }
  return names;
}
