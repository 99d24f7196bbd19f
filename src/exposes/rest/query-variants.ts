/**
 * How /openapi.json describes REST paths that carry a query (`/v1/?Action=RunInstances`).
 * OpenAPI 3.1 path keys cannot hold a query and a path item has one operation per method, so:
 * - the path item is the path without its query; a variant's fixed values are required query
 *   parameters whose schema is `const` (one variant) or `enum` (several merged);
 * - operations that share the path and method become one operation: the discriminating
 *   parameters first, then every other parameter once, required only when every variant
 *   requires it; `x-naftiko-query-variants` lists each variant (`query`: its fixed values,
 *   `operationId`, `summary`, `description`, `parameters`: its own full list) so that a client
 *   can build the exact request of one variant.
 */
type Json = Record<string, unknown>;

export interface QueryVariantDoc {
  readonly query: readonly (readonly [string, string])[];
  /** The OpenAPI operation as it would be alone. */
  readonly operation: Json;
}

/** `/v1/?Action=X` → path `/v1/` and the fixed pairs. */
export function splitQuery(path: string): {
  path: string;
  query: readonly (readonly [string, string])[];
} {
  const mark = path.indexOf('?');
  if (mark < 0) return { path, query: [] };
  const bare = path.slice(0, mark);
  return {
    path: bare.startsWith('/') ? bare : `/${bare}`,
    query: [...new URLSearchParams(path.slice(mark + 1))],
  };
}

export function fixedParameter([name, value]: readonly [string, string]): Json {
  return {
    name,
    in: 'query',
    required: true,
    description: `Fixed value: this operation is the one at this path with ${name}=${value}.`,
    schema: { type: 'string', const: value },
  };
}

/** One operation for several variants of a (path, method); see the file header. */
export function mergeVariants(variants: readonly QueryVariantDoc[]): Json {
  const discriminators = new Map<string, Set<string>>();
  for (const { query } of variants) {
    for (const [name, value] of query) {
      const values = discriminators.get(name) ?? new Set<string>();
      values.add(value);
      discriminators.set(name, values);
    }
  }
  const others = new Map<string, { param: Json; count: number; required: number }>();
  for (const { operation } of variants) {
    for (const param of parametersOf(operation)) {
      if (param.in === 'query' && discriminators.has(String(param.name))) continue;
      const key = `${String(param.in)} ${String(param.name)}`;
      const seen = others.get(key) ?? { param, count: 0, required: 0 };
      seen.count++;
      if (param.required === true) seen.required++;
      others.set(key, seen);
    }
  }
  const all = variants.length;
  const parameters = [
    ...[...discriminators].map(([name, values]) => ({
      name,
      in: 'query',
      // Required when every variant fixes it (a plain-path variant would not).
      required: variants.every((v) => v.query.some(([n]) => n === name)),
      description: `Selects the operation (see x-naftiko-query-variants).`,
      schema: { type: 'string', enum: [...values] },
    })),
    ...[...others.values()].map(({ param, count, required }) => ({
      ...param,
      required: param.in === 'path' || (count === all && required === all),
    })),
  ];
  const first = variants[0]?.operation ?? {};
  const bodies = variants.filter((v) => v.operation.requestBody !== undefined);
  const firstBody = bodies[0]?.operation.requestBody as Json | undefined;
  return {
    summary: `One of ${all} operations, told apart by query values`,
    parameters,
    ...(firstBody !== undefined
      ? {
          requestBody: {
            ...firstBody,
            required:
              bodies.length === all &&
              bodies.every((v) => (v.operation.requestBody as Json).required === true),
          },
        }
      : {}),
    responses: first.responses,
    'x-naftiko-query-variants': variants.map(({ query, operation }) => ({
      query: Object.fromEntries(query),
      ...pick(operation, ['operationId', 'summary', 'description', 'parameters', 'requestBody']),
    })),
  };
}

function parametersOf(operation: Json): Json[] {
  return Array.isArray(operation.parameters) ? (operation.parameters as Json[]) : [];
}

function pick(source: Json, keys: readonly string[]): Json {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}
