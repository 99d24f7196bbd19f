/**
 * `GET /openapi.json`: an OpenAPI 3.1 description of a REST adapter (contract §7), derived
 * inputs included: declared inputs keep their location; inputs derived through `with` are query
 * parameters, except `body`, which is the JSON request body.
 *
 * A resource path with a query (`/v1/?Action=RunInstances`) is described under its path without
 * the query, its fixed values as required query parameters (`const`). OpenAPI cannot have two
 * path items that differ only by query, so operations sharing a path and method are merged into
 * one whose discriminating parameters list their values (`enum`), whose other parameters are
 * required only when every variant requires them, and whose `x-naftiko-query-variants` lists,
 * per variant, the fixed query values, its operationId, summary and parameters (see
 * query-variants.ts).
 */
import type { InputSpec } from '../../engine/inputs.js';
import type { Runtime } from '../../engine/runtime.js';
import type { ExposedResource, ExposesRest } from '../../spec/types.js';
import { forwardBase, forwardCatchAll } from './route-path.js';
import { packageVersion } from '../../package-info.js';
import { openApiSecurity } from './openapi-security.js';
import { fixedParameter, mergeVariants, splitQuery } from './query-variants.js';
import type { QueryVariantDoc } from './query-variants.js';

type Json = Record<string, unknown>;

export function buildOpenApi(adapter: ExposesRest, runtime: Runtime): Json {
  const info = runtime.capability.doc.info;
  const security =
    adapter.authentication === undefined
      ? undefined
      : openApiSecurity(adapter.authentication, runtime.bound);
  const paths: Record<string, Json> = {};
  const variants = new Map<string, QueryVariantDoc[]>();
  for (const resource of adapter.resources ?? []) {
    if (resource.forward) {
      const [path, item] = forwardItem(resource, resource.forward.targetNamespace, security);
      paths[path] = item;
      continue;
    }
    const { path, query } = splitQuery(resource.path.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, '{$1}'));
    const item: Json = (paths[path] ??= {});
    if (resource.description) item.description = resource.description;
    for (const operation of resource.operations ?? []) {
      const inputParameters = [
        ...(resource.inputParameters ?? []),
        ...(operation.inputParameters ?? []),
      ];
      const inputs = runtime.invocation(
        { ...operation, inputParameters },
        adapter.namespace,
      ).inputs;
      const method = (operation.method ?? 'GET').toLowerCase();
      const body = inputs.find((i) => i.name === 'body' && (i.in === undefined || i.in === 'body'));
      const fields = inputs.filter((i) => i.in === 'body' && i !== body);
      const fixed = new Set(query.map(([name]) => name));
      const described: Json = {
        ...(operation.name ? { operationId: operation.name } : {}),
        ...(operation.label ? { summary: operation.label } : {}),
        ...(operation.description ? { description: operation.description } : {}),
        parameters: withEveryPathParameter(path, [
          ...query.map(fixedParameter),
          ...uniqueByName(
            inputs.filter((i) => i !== body && i.in !== 'body' && !fixed.has(i.name)),
          ).map((i) => parameter(i, path)),
        ]),
        ...(body || fields.length > 0 ? { requestBody: requestBody(body, fields) } : {}),
        responses: {
          '200': { description: 'Success', content: { 'application/json': { schema: {} } } },
          ...(security ? AUTH_RESPONSES : {}),
          default: {
            description: 'Error (RFC 9457 problem details, or the upstream error as it came)',
            content: {
              'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
            },
          },
        },
      };
      const key = `${method} ${path}`;
      const list = variants.get(key) ?? [];
      list.push({ query, operation: described });
      variants.set(key, list);
      item[method] = list.length === 1 ? described : mergeVariants(list);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: info?.label ?? adapter.namespace,
      version: packageVersion(),
      ...(info?.description ? { description: info.description } : {}),
    },
    ...(security ? { security: [security.requirement] } : {}),
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      ...(security ? { securitySchemes: security.schemes } : {}),
    },
  };
}

/**
 * A forward resource: every method under `<prefix>/{path}`, where the catch-all parameter is the
 * rest of the path, slashes included, sent to the target namespace as it came (forward.ts).
 */
function forwardItem(
  resource: ExposedResource,
  target: string,
  security: ReturnType<typeof openApiSecurity> | undefined,
): [string, Json] {
  const catchAll = forwardCatchAll(resource.path);
  const prefix = forwardBase(resource.path).replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, '{$1}');
  const path = `${prefix}/{${catchAll}}`;
  const earlier = [...prefix.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1] as string);
  const parameters = [
    ...earlier.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    {
      name: catchAll,
      in: 'path',
      required: true,
      description: `The rest of the path, several segments included (slashes are not encoded), sent to ${target} under its base URI as received; ${prefix || '/'} itself goes to the base URI. The query string is kept.`,
      schema: { type: 'string' },
      'x-naftiko-catch-all': true,
    },
  ];
  const item: Json = {
    ...(resource.description ? { description: resource.description } : {}),
    'x-naftiko-forward': target,
    parameters,
  };
  for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
    item[method] = {
      operationId: `forward${prefix.replace(/[^A-Za-z0-9]+/g, '-')}-${method}`,
      summary: `${method.toUpperCase()} forwarded to ${target}`,
      ...(method === 'get' || method === 'delete'
        ? {}
        : {
            requestBody: {
              required: false,
              description: 'Forwarded as received, with its Content-Type',
              content: { '*/*': { schema: {} } },
            },
          }),
      responses: {
        default: { description: "The upstream's answer: status, content type and body as it came" },
        ...(security ? AUTH_RESPONSES : {}),
      },
    };
  }
  return [path, item];
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** What a protected operation may answer before it runs (the challenge is in WWW-Authenticate). */
const AUTH_RESPONSES = {
  '401': problem('No credential, or one that is not valid (AUTH_REQUIRED, AUTH_INVALID)'),
  '403': problem('The credential does not grant this operation (AUTH_FORBIDDEN)'),
};

/** The JSON request body: the whole `body` input, or an object of the declared body fields. */
function requestBody(body: InputSpec | undefined, fields: readonly InputSpec[]): Json {
  const properties = Object.fromEntries(fields.map((f) => [f.name, schemaOf(f)]));
  const required = fields.filter((f) => f.required).map((f) => f.name);
  const schema = {
    type: 'object',
    ...(fields.length > 0 ? { properties } : {}),
    ...(required.length > 0 ? { required } : {}),
  };
  return {
    required: body?.required ?? required.length > 0,
    content: { 'application/json': { schema } },
  };
}

/**
 * OpenAPI requires a path parameter for every `{name}` of a path. A placeholder that no input of
 * the operation reads (the route matches it, the operation does not use it) is still described:
 * a required string.
 */
function withEveryPathParameter(path: string, parameters: Json[]): Json[] {
  const declared = new Set(parameters.filter((p) => p.in === 'path').map((p) => p.name));
  const missing = [...path.matchAll(/\{([^{}]+)\}/g)]
    .map((m) => m[1] as string)
    .filter((name) => !declared.has(name));
  return [
    ...parameters,
    ...[...new Set(missing)].map((name) => ({
      name,
      in: 'path',
      required: true,
      description: 'A path segment this operation does not use',
      schema: { type: 'string' },
    })),
  ];
}

/** An array without `items` is not a valid OpenAPI schema: any items. */
function typeSchema(type: string | undefined): Json {
  if (type === undefined) return {};
  return type === 'array' ? { type, items: {} } : { type };
}

function schemaOf(input: InputSpec): Json {
  return {
    ...typeSchema(input.type),
    ...(input.description ? { description: input.description } : {}),
    ...(input.pattern ? { pattern: input.pattern.source } : {}),
  };
}

/** One input per (name, in): two consumed parameters may be fed by one input; required if any is. */
function uniqueByName(inputs: readonly InputSpec[]): InputSpec[] {
  const byName = new Map<string, InputSpec>();
  for (const input of inputs) {
    const key = `${input.name}\u0000${input.in ?? ''}`;
    const seen = byName.get(key);
    if (seen === undefined) byName.set(key, input);
    else if (input.required && !seen.required) byName.set(key, { ...seen, required: true });
  }
  return [...byName.values()];
}

function parameter(input: InputSpec, path: string): Json {
  const location = input.in ?? (path.includes(`{${input.name}}`) ? 'path' : 'query');
  return {
    name: input.name,
    in: location,
    required: location === 'path' ? true : input.required,
    ...(input.description ? { description: input.description } : {}),
    schema: {
      ...typeSchema(input.type),
      ...(input.pattern ? { pattern: input.pattern.source } : {}),
    },
  };
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          in: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
};
