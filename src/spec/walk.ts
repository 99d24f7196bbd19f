/**
 * Defensive traversal helpers over a plain (possibly invalid) document, shared by the dialect
 * detectors and the semantic rules. Each yields values with their JSON path.
 */
import type { Path } from './diagnostic-sink.js';

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The object elements of `parent[key]` when it is an array, with their paths. */
export function* objectsIn(parent: unknown, key: string, path: Path): Generator<[Obj, Path]> {
  if (!isObj(parent)) return;
  const list = parent[key];
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    if (isObj(item)) yield [item, [...path, key, i]];
  }
}

/** Inline (not imported) consumes blocks, at the root and under `capability`. */
export function* inlineConsumes(doc: unknown): Generator<[Obj, Path]> {
  if (!isObj(doc)) return;
  for (const [entry, path] of [
    ...objectsIn(doc, 'consumes', []),
    ...objectsIn(doc.capability, 'consumes', ['capability']),
  ]) {
    if (!('location' in entry)) yield [entry, path];
  }
}

export function* consumedResources(doc: unknown): Generator<[Obj, Path]> {
  for (const [consumes, path] of inlineConsumes(doc)) yield* objectsIn(consumes, 'resources', path);
}

export function* consumedOperations(doc: unknown): Generator<[Obj, Path]> {
  for (const [resource, path] of consumedResources(doc)) {
    yield* objectsIn(resource, 'operations', path);
  }
}

/** Every consumed input parameter: on a consumes block, a resource, or an operation. */
export function* consumedInputParameters(doc: unknown): Generator<[Obj, Path]> {
  for (const [consumes, path] of inlineConsumes(doc)) {
    yield* objectsIn(consumes, 'inputParameters', path);
    for (const [resource, rPath] of objectsIn(consumes, 'resources', path)) {
      yield* objectsIn(resource, 'inputParameters', rPath);
      for (const [operation, oPath] of objectsIn(resource, 'operations', rPath)) {
        yield* objectsIn(operation, 'inputParameters', oPath);
      }
    }
  }
}

export function* exposes(doc: unknown, type?: string): Generator<[Obj, Path]> {
  if (!isObj(doc)) return;
  for (const [adapter, path] of objectsIn(doc.capability, 'exposes', ['capability'])) {
    if (type === undefined || adapter.type === type) yield [adapter, path];
  }
}

export function* restResources(doc: unknown): Generator<[Obj, Path, Obj]> {
  for (const [adapter, path] of exposes(doc, 'rest')) {
    for (const [resource, rPath] of objectsIn(adapter, 'resources', path)) {
      yield [resource, rPath, adapter];
    }
  }
}

export function* restOperations(doc: unknown): Generator<[Obj, Path, Obj, Obj]> {
  for (const [resource, rPath, adapter] of restResources(doc)) {
    for (const [operation, oPath] of objectsIn(resource, 'operations', rPath)) {
      yield [operation, oPath, resource, adapter];
    }
  }
}

export function* mcpTools(doc: unknown): Generator<[Obj, Path, Obj]> {
  for (const [adapter, path] of exposes(doc, 'mcp')) {
    for (const [tool, tPath] of objectsIn(adapter, 'tools', path)) yield [tool, tPath, adapter];
  }
}

export function* mcpResources(doc: unknown): Generator<[Obj, Path, Obj]> {
  for (const [adapter, path] of exposes(doc, 'mcp')) {
    for (const [res, rPath] of objectsIn(adapter, 'resources', path)) yield [res, rPath, adapter];
  }
}

export function* aggregateFunctions(doc: unknown): Generator<[Obj, Path, Obj]> {
  if (!isObj(doc)) return;
  for (const [aggregate, path] of objectsIn(doc.capability, 'aggregates', ['capability'])) {
    for (const [fn, fPath] of objectsIn(aggregate, 'functions', path)) yield [fn, fPath, aggregate];
  }
}

/** Everything that can `call`, `ref` or run `steps`: REST operations, tools, resources, functions. */
export function* invocables(doc: unknown): Generator<[Obj, Path, string]> {
  for (const [op, path] of restOperations(doc)) yield [op, path, 'REST operation'];
  for (const [tool, path] of mcpTools(doc)) yield [tool, path, 'MCP tool'];
  for (const [res, path] of mcpResources(doc)) yield [res, path, 'MCP resource'];
  for (const [fn, path] of aggregateFunctions(doc)) yield [fn, path, 'aggregate function'];
}
