/**
 * Template scopes (contract §3): a name resolves against, in order, the request's inputs, the
 * outputs of earlier steps (by step name), then bound variables (`VAR` and `namespace.VAR`).
 * Dotted names walk into objects: `{{step.field}}`, `{{body.id}}`.
 */
import type { Lookup } from '../spec/template.js';

export function createScope(
  inputs: Readonly<Record<string, unknown>>,
  bound: Lookup,
  steps?: ReadonlyMap<string, unknown>,
): Lookup {
  return (name) => {
    if (Object.hasOwn(inputs, name)) return inputs[name];
    const dot = name.indexOf('.');
    if (dot !== -1) {
      const head = name.slice(0, dot);
      const rest = name.slice(dot + 1);
      if (Object.hasOwn(inputs, head)) return walk(inputs[head], rest);
      if (steps?.has(head)) return walk(steps.get(head), rest);
    } else if (steps?.has(name)) {
      return steps.get(name);
    }
    return bound(name);
  };
}

function walk(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    const match = /^(.*)\[(\d+)\]$/.exec(segment);
    if (match) {
      current = (current as Record<string, unknown>)[match[1] as string];
      current = Array.isArray(current) ? current[Number(match[2])] : undefined;
    } else {
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
