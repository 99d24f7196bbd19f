/**
 * The value of each effective parameter for one request (contract §5).
 *
 * A parameter's `value` template (rendered with `in: environment` values, then the caller's
 * arguments, then the request scope, then bound variables) overrides the caller's input; an `in: environment` parameter without a
 * `value` reads the process environment; any other takes the caller's argument of its name.
 * Undefined and null are "absent": an absent optional parameter is omitted, an absent required
 * one is reported. A template with unresolved names counts as absent.
 */
import type { Lookup } from '../../spec/template.js';
import type { CompiledParameter } from './effective-parameters.js';
import { chainLookups, isAbsent, recordLookup } from './lookups.js';

export interface ParameterValues {
  /** One entry per effective parameter, in order; undefined when absent. */
  readonly values: readonly unknown[];
  /** Resolves a template name: parameter values, then caller args, then scope, then variables. */
  readonly lookup: Lookup;
  /** Names of required parameters that have no value. */
  readonly missing: readonly string[];
}

export interface ValueSources {
  readonly args: Readonly<Record<string, unknown>>;
  readonly scope: Lookup;
  readonly variables: Lookup;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function resolveParameters(
  params: readonly CompiledParameter[],
  sources: ValueSources,
): ParameterValues {
  const args = recordLookup(sources.args);
  // Environment values come first: a caller's argument of the same name must not replace them.
  const fromEnv = new Map<string, string>();
  for (const { spec, value } of params) {
    const text =
      spec.in === 'environment' && value === undefined ? sources.env[spec.name] : undefined;
    if (text !== undefined && !fromEnv.has(spec.name)) fromEnv.set(spec.name, text);
  }
  const envLookup: Lookup = (name) => fromEnv.get(name);
  const templateLookup = chainLookups(envLookup, args, sources.scope, sources.variables);
  const values: unknown[] = [];
  const byName = new Map<string, unknown>();
  const missing: string[] = [];
  for (const { spec, value: template } of params) {
    let value: unknown;
    if (template !== undefined) value = template.resolve(templateLookup).value;
    else if (spec.in === 'environment') value = sources.env[spec.name];
    else value = args(spec.name);
    if (isAbsent(value)) {
      value = undefined;
      if (spec.required && !missing.includes(spec.name)) missing.push(spec.name);
    } else if (!byName.has(spec.name)) {
      byName.set(spec.name, value);
    }
    values.push(value);
  }
  const lookup = chainLookups((name) => byName.get(name), args, sources.scope, sources.variables);
  return { values, lookup, missing };
}
