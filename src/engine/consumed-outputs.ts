/**
 * A consumed operation's own `outputParameters` (schema `ConsumedOutputParameter`: `name`, `type`,
 * `value`, where `value` is a JSONPath into the upstream response, spec §3.12.1 "used in consumed
 * operations to extract values from the raw API response"): what an orchestrated `call` step
 * stores under its name when the operation it calls declares some.
 *
 * Decision, following the reference engine (naftiko/framework, `OperationStepExecutor`'s step
 * output resolution, read for behaviour only) and the tutorial's step 11, whose `resolve-ship`
 * lookup matches `imo-number`, a name only `list-ships`'s `outputParameters` create:
 * - An array response: every element is kept as it is and gains one field per output parameter,
 *   evaluated with the element as `$` (null when the path finds nothing). Applying the paths to
 *   the array root would collapse it, and a lookup needs the whole entries.
 * - Any other response: the step's output is the projection, an object with exactly the named
 *   values (null when not found), so `$.step.<name>` and `{{step.<name>}}` read the declared names.
 * - No response body (undefined or null): stored as it is; there is nothing to extract from.
 * - Values keep their upstream JSON type: `type` documents the value, it is not coerced (the
 *   reference passes consumed extractions through uncoerced too; exposed outputs coerce later).
 * Scope: step outputs only (call steps in tools, operations and aggregate functions), as in the
 * reference. A simple-mode `call` maps the upstream body with the exposed `outputParameters`,
 * and an operation that declares no `outputParameters` costs nothing (no projection compiled).
 */
import type { ConsumedOutputParameter } from '../spec/types.js';
import { compilePath } from './jsonpath.js';
import type { CompiledPath } from './jsonpath.js';

/** Turns an upstream body into the value a call step stores. */
export type StepOutputProjection = (body: unknown) => unknown;

/** Compiled once per call step; undefined when the operation declares no output parameters. */
export function compileConsumedOutputs(
  parameters: readonly ConsumedOutputParameter[],
): StepOutputProjection | undefined {
  if (parameters.length === 0) return undefined;
  const fields: readonly { name: string; path: CompiledPath }[] = parameters.map((p) => ({
    name: p.name,
    path: compilePath(p.value),
  }));
  const extractInto = (target: Record<string, unknown>, from: unknown) => {
    for (const { name, path } of fields) target[name] = path.evaluate(from) ?? null;
    return target;
  };
  return (body) => {
    if (body === undefined || body === null) return body;
    if (Array.isArray(body)) {
      return body.map((element: unknown) =>
        extractInto(isRecord(element) ? { ...element } : {}, element),
      );
    }
    return extractInto({}, body);
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
