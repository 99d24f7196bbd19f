/**
 * Turns ajv errors into diagnostics a person can act on.
 *
 * ajv reports every failed keyword; for unions that is noise (each rejected branch explains
 * itself). Our schemas express unions with `if`/`then` on a discriminator wherever they can, so
 * most errors are already specific; for the remaining `oneOf`/`anyOf` we keep the errors of the
 * branch that got furthest into the value, and drop the others.
 */
import type { ErrorObject } from 'ajv';
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { SourceDocument } from '../source-document.js';

export function schemaErrorsToDiagnostics(
  errors: readonly ErrorObject[],
  source: SourceDocument,
  severity: Severity = 'error',
  rule = 'schema',
): Diagnostic[] {
  const kept = pruneUnionNoise(errors.filter((e) => e.keyword !== 'if'));
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const error of kept) {
    const { pointer, target } = errorPointer(error);
    const message = describe(error);
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { line, column } = source.positionOf(pointer, target);
    diagnostics.push({ severity, rule, message, file: source.file, line, column, pointer });
  }
  return diagnostics;
}

/**
 * For each union error at instance path P, the errors reported under P by its branches are
 * grouped by how deep they reach; only the deepest ones (the branch that matched the most) stay.
 * The union error itself stays only when nothing more specific is left.
 */
function pruneUnionNoise(errors: readonly ErrorObject[]): ErrorObject[] {
  let current = [...errors];
  const unions = current
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .sort((a, b) => depth(a.instancePath) - depth(b.instancePath));
  for (const union of unions) {
    if (!current.includes(union)) continue;
    const passing = (union.params as { passingSchemas?: unknown }).passingSchemas;
    if (Array.isArray(passing)) continue; // several branches matched: that is the problem itself
    const base = union.instancePath;
    const inside = current.filter(
      (e) => e !== union && (e.instancePath === base || e.instancePath.startsWith(base + '/')),
    );
    if (inside.length === 0) continue;
    const deepest = Math.max(...inside.map((e) => depth(errorPointer(e).pointer)));
    // Errors exactly at the union's level from other branches ("must have property X") are the
    // noise; when the deepest errors are at that level too, there is nothing better to keep.
    const keep = new Set(inside.filter((e) => depth(errorPointer(e).pointer) === deepest));
    current = current.filter((e) => e === union || !inside.includes(e) || keep.has(e));
    if (deepest > depth(base)) current = current.filter((e) => e !== union);
  }
  return current;
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length - 1;
}

/** Where the error is best shown: an unexpected key points at the key itself. */
function errorPointer(error: ErrorObject): { pointer: string; target: 'value' | 'key' } {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    const extra = String(params.additionalProperty ?? params.unevaluatedProperty ?? '');
    return { pointer: `${error.instancePath}/${escape(extra)}`, target: 'key' };
  }
  if (error.keyword === 'propertyNames') {
    return {
      pointer: `${error.instancePath}/${escape(String(params.propertyName))}`,
      target: 'key',
    };
  }
  return { pointer: error.instancePath, target: 'value' };
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** One sentence naming the value and the constraint, in the document's own terms. */
function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const where = error.instancePath === '' ? 'the document' : `\`${error.instancePath}\``;
  switch (error.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return `unknown property \`${String(params.additionalProperty ?? params.unevaluatedProperty)}\` in ${where}`;
    case 'required':
      return `${where} is missing the required property \`${String(params.missingProperty)}\``;
    case 'type':
      return `${where} must be of type ${String(params.type)}`;
    case 'enum':
      return `${where} must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where} must be ${JSON.stringify(params.allowedValue)}`;
    case 'pattern':
      return `${where} does not match the pattern ${String(params.pattern)}`;
    case 'propertyNames':
      return `property name \`${String(params.propertyName)}\` in ${where} is not allowed`;
    case 'oneOf':
      return Array.isArray(params.passingSchemas)
        ? `${where} matches more than one of the allowed forms`
        : `${where} matches none of the allowed forms`;
    case 'anyOf':
      return `${where} matches none of the allowed forms`;
    default:
      return `${where} ${error.message ?? 'is not valid'}`;
  }
}
