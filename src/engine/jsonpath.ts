/**
 * The one place that evaluates JSONPath (contract §6): jsonpath-plus with script evaluation
 * disabled (`eval: false`), so a capability can never run code through a filter expression.
 * `$` and `$.` both mean the whole value. Paths are parsed once, at load.
 */
import { createRequire } from 'node:module';
import type { JSONPath as JSONPathFunction } from 'jsonpath-plus';

// Loaded on first use: most capabilities map nothing but the identity (`$.`), which needs none.
const require = createRequire(import.meta.url);
let loaded: typeof JSONPathFunction | undefined;
const jsonPath = (): typeof JSONPathFunction =>
  (loaded ??= (require('jsonpath-plus') as { JSONPath: typeof JSONPathFunction }).JSONPath);

export interface CompiledPath {
  readonly source: string;
  /** A single value: the first match (undefined when none), or every match for paths that can match many. */
  evaluate(json: unknown): unknown;
}

const ROOT = /^\$\.?$/;
/** Wildcards, recursive descent, filters, unions and slices can match many values. */
const MULTI = /\*|\.\.|\[\?|,|:/;

export function compilePath(source: string): CompiledPath {
  const path = source.trim();
  if (ROOT.test(path)) return { source, evaluate: (json) => json };
  const normalized = path.startsWith('$') ? path : `$.${path}`;
  const many = MULTI.test(normalized.replace(/'[^']*'|"[^"]*"/g, ''));
  // Parse now: a malformed path fails at load rather than on the first request.
  const JSONPath = jsonPath();
  const parts = JSONPath.toPathArray(normalized);
  const pathString = JSONPath.toPathString(parts);
  return {
    source,
    evaluate(json) {
      if (json === null || typeof json !== 'object') return undefined;
      const found = JSONPath({ path: pathString, json, eval: false, wrap: true }) as unknown[];
      return many ? found : found[0];
    },
  };
}
