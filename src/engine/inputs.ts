/**
 * The inputs an exposed operation or tool accepts, and their validation before any upstream call
 * (contract §7, §8). Inputs are the declared `inputParameters`, or, when there are none, derived
 * from the consumed parameters that `with` reaches (type, description, required) — and `body`.
 */
import type { ParameterType } from '../spec/types.js';

export interface InputSpec {
  readonly name: string;
  readonly type?: ParameterType;
  readonly description?: string;
  readonly required: boolean;
  /**
   * Where a REST caller sends it: declared inputs, and unfed required consumed parameters (their
   * upstream location); undefined for inputs derived through `with` (query, or path by name).
   */
  readonly in?: 'query' | 'header' | 'path' | 'cookie' | 'body';
  readonly pattern?: RegExp;
  /** The consumed parameter it feeds, for derived inputs. */
  readonly feeds?: string;
}

export interface InputProblem {
  readonly name: string;
  readonly in?: string;
  readonly message: string;
}

/**
 * Checks inputs against their specs. Text values (query strings, headers, path segments) are
 * converted to the declared type when they read as one; returns the converted inputs and every
 * problem found (not only the first).
 */
export function checkInputs(
  specs: readonly InputSpec[],
  inputs: Readonly<Record<string, unknown>>,
  textual: boolean,
): { values: Record<string, unknown>; problems: InputProblem[] } {
  const values: Record<string, unknown> = { ...inputs };
  const problems: InputProblem[] = [];
  for (const spec of specs) {
    const raw = inputs[spec.name];
    const at = { name: spec.name, ...(spec.in ? { in: spec.in } : {}) };
    // An empty text value (`?id=`) is no value: a required input must have one.
    if (
      raw === undefined ||
      raw === null ||
      (textual && raw === '' && (spec.required || spec.type !== 'string'))
    ) {
      if (spec.required) problems.push({ ...at, message: `${spec.name} is required` });
      continue;
    }
    // JSON body fields keep their JSON types; only text (query, path, headers) is converted.
    const value = spec.type && textual && spec.in !== 'body' ? fromText(raw, spec.type) : raw;
    if (spec.type && !hasType(value, spec.type)) {
      problems.push({ ...at, message: `${spec.name} must be ${article(spec.type)}` });
      continue;
    }
    if (spec.pattern && typeof value === 'string' && !spec.pattern.test(value)) {
      problems.push({ ...at, message: `${spec.name} must match ${spec.pattern.source}` });
      continue;
    }
    values[spec.name] = value;
  }
  return { values, problems };
}

function fromText(value: unknown, type: ParameterType): unknown {
  if (typeof value !== 'string') return value;
  switch (type) {
    case 'integer':
    case 'number': {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) ? n : value;
    }
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'array': {
      // `?ids=[1,2]` (JSON), `?ids=1,2` (comma-separated) or a single value `?ids=1`.
      const parsed = parseJson(value);
      return Array.isArray(parsed) ? parsed : value.split(',');
    }
    case 'object': {
      const parsed = parseJson(value);
      return parsed !== null && typeof parsed === 'object' ? parsed : value;
    }
    default:
      return value;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function hasType(value: unknown, type: ParameterType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

function article(type: ParameterType): string {
  return type === 'integer' || type === 'array' || type === 'object' ? `an ${type}` : `a ${type}`;
}
