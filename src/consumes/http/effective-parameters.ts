/**
 * The effective parameters of a consumed operation (contract §5): consumes-level, then
 * resource-level, then operation-level; a later parameter with the same (name, in) replaces an
 * earlier one in place. Header names compare case-insensitively (RFC 9110 §5.1).
 *
 * Decision: `fixed` is true when the spec gives a `value` and also for `in: environment`
 * parameters, whose value comes from the process environment, never from the caller.
 */
import { bareVariableAsTemplate } from '../../spec/template.js';
import type { Lookup } from '../../spec/template.js';
import type { ConsumedInputParameter, ParameterLocation, ParameterType } from '../../spec/types.js';
import { compileValue, type ValueTemplate } from './value-template.js';

export interface ConsumedParameter {
  name: string;
  in: ParameterLocation;
  required: boolean;
  type?: ParameterType;
  description?: string;
  /** true when the spec gives it a `value` (then it is not a caller input) */
  fixed: boolean;
}

/** A parameter with its `value` template compiled. */
export interface CompiledParameter {
  readonly spec: ConsumedParameter;
  readonly value: ValueTemplate | undefined;
}

export function effectiveParameters(
  levels: readonly (readonly ConsumedInputParameter[] | undefined)[],
  /** Bound variables: a `value` that is a bare bound-variable name means `{{name}}`. */
  variables: Lookup = () => undefined,
): CompiledParameter[] {
  const byKey = new Map<string, ConsumedInputParameter>();
  for (const level of levels) {
    for (const param of level ?? []) {
      const name = param.in === 'header' ? param.name.toLowerCase() : param.name;
      byKey.set(`${param.in}\u0000${name}`, param);
    }
  }
  return [...byKey.values()].map((param) => compileParameter(param, variables));
}

function compileParameter(param: ConsumedInputParameter, variables: Lookup): CompiledParameter {
  const spec: ConsumedParameter = {
    name: param.name,
    in: param.in,
    required: param.required === true,
    fixed: param.value !== undefined || param.in === 'environment',
  };
  if (param.type !== undefined) spec.type = param.type;
  if (param.description !== undefined) spec.description = param.description;
  return {
    spec,
    value:
      param.value === undefined
        ? undefined
        : compileValue(
            bareVariableAsTemplate(String(param.value), (name) => variables(name) !== undefined),
          ),
  };
}
