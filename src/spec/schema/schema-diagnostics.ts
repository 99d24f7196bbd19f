/**
 * Turns ajv errors into diagnostics a person can act on.
 *
 * Errors arrive with failed unions already explained (union-errors.ts); here each becomes one
 * sentence at the position of the offending key or value.
 */
import type { ErrorObject } from 'ajv';
import { pointerFromSegments } from '../diagnostics.js';
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { SourceDocument } from '../source-document.js';

export function schemaErrorsToDiagnostics(
  errors: readonly ErrorObject[],
  source: SourceDocument,
  severity: Severity = 'error',
  rule = 'schema',
): Diagnostic[] {
  const kept = dropShadowed(errors.filter((e) => e.keyword !== 'if'));
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

/** A value of the wrong type fails every other check at its place too: report the type alone. */
function dropShadowed(errors: readonly ErrorObject[]): ErrorObject[] {
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return errors.filter((e) => e.keyword === 'type' || !wrongType.has(e.instancePath));
}

/** Where the error is best shown: an unexpected key points at the key itself. */
function errorPointer(error: ErrorObject): { pointer: string; target: 'value' | 'key' } {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    const extra = String(params.additionalProperty ?? params.unevaluatedProperty ?? '');
    return { pointer: error.instancePath + pointerFromSegments([extra]), target: 'key' };
  }
  if (error.keyword === 'propertyNames') {
    return {
      pointer: error.instancePath + pointerFromSegments([String(params.propertyName)]),
      target: 'key',
    };
  }
  return { pointer: error.instancePath, target: 'value' };
}

/** One sentence naming the value and the constraint, in the document's own terms. */
function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const where = error.instancePath === '' ? 'the document' : `\`${error.instancePath}\``;
  switch (error.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = String(params.additionalProperty ?? params.unevaluatedProperty);
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      const hint = closest(name, known);
      return `unknown property \`${name}\` in ${where}${hint ? ` (did you mean \`${hint}\`?)` : ''}`;
    }
    case 'required':
      return `${where} is missing the required property \`${String(params.missingProperty)}\``;
    case 'type':
      return `${where} must be of type ${String(params.type)}`;
    case 'enum':
      return `${where} must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where} must be ${JSON.stringify(params.allowedValue)}`;
    case 'pattern': {
      const value = typeof error.data === 'string' ? error.data : undefined;
      const shown = value === '' ? 'is empty' : value === undefined ? 'is' : `is "${value}"`;
      const meaning = error.parentSchema?.description;
      const expected = typeof meaning === 'string' ? ` (${meaning})` : '';
      return `${where} ${shown}, which does not match ${String(params.pattern)}${expected}`;
    }
    case 'not': {
      const forbidden = (error.schema as { required?: unknown } | undefined)?.required;
      return Array.isArray(forbidden)
        ? `${where} must not have ${forbidden.map((k) => `\`${String(k)}\``).join(' or ')} here`
        : `${where} has a form that is not allowed here`;
    }
    case 'propertyNames':
      return `property name \`${String(params.propertyName)}\` in ${where} is not allowed`;
    case 'oneOf':
    case 'anyOf': {
      const forms =
        Array.isArray(params.forms) && params.forms.length > 0
          ? `: ${params.forms.join('; ')}`
          : '';
      return Array.isArray(params.passingSchemas)
        ? `${where} matches several forms where exactly one is allowed${forms}`
        : `${where} must be one of these forms${forms}`;
    }
    default:
      return `${where} ${error.message ?? 'is not valid'}`;
  }
}

/** The allowed name nearest to a misspelt one (edit distance at most 2), if any. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
