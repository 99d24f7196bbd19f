/**
 * Explains failed unions (`oneOf`/`anyOf`) by the branch the author most likely meant.
 *
 * ajv reports, for a failed union, the errors of every branch plus the union itself. For each
 * failed union (outermost first) we re-validate the value against each branch on its own, keep
 * the errors that no branch produced (they come from the surrounding schema: an unknown key, a
 * bad sibling property), and add the errors of the branch that got furthest into the value
 * (deepest errors, then fewest). When even that branch fails at the union's own level (a missing
 * discriminating key), one error naming the allowed forms replaces them.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { segmentsFromPointer } from '../diagnostics.js';

/** Access to the compiled schema: subschema validators by pointer, and where a union lives. */
export interface SchemaIndex {
  /** Validator of the subschema at a `#/...` pointer of the root schema. */
  subschema(pointer: string): ValidateFunction | undefined;
  /** `#/...` pointer of the union keyword an error reports (found from its `parentSchema`). */
  unionPointer(error: ErrorObject): string | undefined;
}

const key = (e: ErrorObject) => `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
const depth = (p: string) => (p === '' ? 0 : p.split('/').length - 1);
const inside = (p: string, base: string) => p === base || p.startsWith(base + '/');

function isOpenUnion(e: ErrorObject): boolean {
  const params = e.params as { passingSchemas?: unknown; forms?: unknown };
  return (
    (e.keyword === 'oneOf' || e.keyword === 'anyOf') &&
    !Array.isArray(params.passingSchemas) &&
    params.forms === undefined
  );
}

export function explainUnions(
  errors: readonly ErrorObject[],
  data: unknown,
  index: SchemaIndex,
): ErrorObject[] {
  const union = errors
    .filter(isOpenUnion)
    .sort((a, b) => depth(a.instancePath) - depth(b.instancePath))[0];
  if (union === undefined) return [...errors];
  const at = index.unionPointer(union);
  const branches = at === undefined ? [] : branchValidators(at, index);

  const base = union.instancePath;
  const value = valueAt(data, base);
  const perBranch = branches.map((validate) =>
    validate(value)
      ? []
      : (validate.errors ?? []).map((e) => ({ ...e, instancePath: base + e.instancePath })),
  );

  const fromBranches = new Set(perBranch.flat().map(key));
  const within = errors.filter((e) => e !== union && inside(e.instancePath, base));
  const outside = errors.filter((e) => e !== union && !inside(e.instancePath, base));
  const own = within.filter((e) => !fromBranches.has(key(e)));

  const best = pickBest(perBranch, base);
  let explained: ErrorObject[];
  if (best.length === 0 || best.every((e) => e.instancePath === base && e.keyword === 'required')) {
    const forms = branches
      .map((v) => (v.schema as { title?: unknown }).title)
      .filter((t): t is string => typeof t === 'string');
    explained = [{ ...union, params: { ...union.params, forms } }];
  } else {
    explained = best;
  }
  const seen = new Set<string>();
  const merged = [...own, ...explained].filter((e) => {
    const k = key(e);
    return seen.has(k) ? false : (seen.add(k), true);
  });
  // Both parts may still hold failed unions (elsewhere, or nested in the chosen branch).
  return [...explainUnions(outside, data, index), ...explainUnions(merged, data, index)];
}

/**
 * The branch that got furthest: its deepest error is deepest; then its shallowest error is
 * deepest (it satisfied the union's own level); then it has the fewest errors.
 */
function pickBest(perBranch: readonly ErrorObject[][], base: string): ErrorObject[] {
  let best: ErrorObject[] = [];
  let bestScore: number[] = [];
  for (const errs of perBranch) {
    const real = errs.filter((e) => e.keyword !== 'if');
    if (real.length === 0) continue;
    const depths = real.map((e) => depth(e.instancePath) - depth(base));
    const score = [Math.max(...depths), Math.min(...depths), -real.length];
    if (best.length === 0 || better(score, bestScore)) {
      best = errs;
      bestScore = score;
    }
  }
  return best;
}

function better(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) > (b[i] as number);
  }
  return false;
}

function branchValidators(unionPointer: string, index: SchemaIndex): ValidateFunction[] {
  const found: ValidateFunction[] = [];
  for (let i = 0; ; i++) {
    const validate = index.subschema(`${unionPointer}/${i}`);
    if (validate === undefined) return found;
    found.push(validate);
  }
}

function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  for (const segment of segmentsFromPointer(pointer)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
