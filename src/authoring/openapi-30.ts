/**
 * OpenAPI 3.1 → 3.0.3, for tools that do not read 3.1 yet (`naftiko export openapi
 * --spec-version 3.0`). 3.1 schemas are JSON Schema 2020-12; 3.0 schemas are an older, smaller
 * dialect. Each 3.1-only construct is rewritten to its 3.0 equivalent where there is one:
 *
 * - `type: [T, "null"]` → `type: T, nullable: true`; several non-null types → `anyOf` of each;
 *   `type: "null"` alone → `nullable: true, enum: [null]`
 * - `const: v` → `enum: [v]`
 * - `examples: [a, ...]` (in a schema) → `example: a`
 * - numeric `exclusiveMinimum`/`exclusiveMaximum` → `minimum`/`maximum` with the boolean flag
 * - `prefixItems` → `items` (the first item's schema, or an `anyOf` of them)
 * - `contentEncoding: base64` → `format: byte`; `contentMediaType` of binary data → `format: binary`
 * - `$ref` with sibling keywords → `allOf: [{$ref}]` with the siblings
 * - keywords 3.0 does not know (`$schema`, `$id`, `$defs`, `if`, `dependentRequired`, ...) are
 *   dropped; `x-` extensions stay
 *
 * and at the document level: `openapi: 3.0.3`; `webhooks`, `jsonSchemaDialect`, `info.summary`,
 * `license.identifier` and `components.pathItems` dropped; a security requirement lists scopes
 * only for oauth2 and openIdConnect schemes (3.0 requires the others to list none).
 * The input is not modified.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Keywords of the OpenAPI 3.0 Schema Object. */
const SCHEMA_30_KEYWORDS = new Set([
  'title',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'enum',
  'type',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'items',
  'properties',
  'additionalProperties',
  'description',
  'format',
  'default',
  'nullable',
  'discriminator',
  'readOnly',
  'writeOnly',
  'xml',
  'externalDocs',
  'example',
  'deprecated',
  '$ref',
]);

const BINARY_MEDIA = /^(application\/octet-stream|image\/|audio\/|video\/|application\/pdf)/;

/** One schema, and the schemas inside it. */
export function schemaTo30(input: unknown): unknown {
  if (typeof input === 'boolean') return input ? {} : { not: {} };
  if (!isObject(input)) return input;
  const s: Json = { ...input };

  // A $ref with siblings: in 3.0 the siblings would be ignored.
  if (typeof s.$ref === 'string') {
    const ref = s.$ref;
    const rest = Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref'));
    if (Object.keys(rest).length === 0) return { $ref: ref };
    const converted = schemaTo30(rest) as Json;
    return { ...converted, allOf: [{ $ref: ref }, ...((converted.allOf as unknown[]) ?? [])] };
  }

  if ('const' in s) {
    if (s.enum === undefined) s.enum = [s.const];
    delete s.const;
  }
  if (Array.isArray(s.examples)) {
    if (s.example === undefined && s.examples.length > 0) s.example = s.examples[0];
    delete s.examples;
  }
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const value = s[exclusive];
    if (typeof value === 'number') {
      const other = s[bound];
      // Both given: keep the tighter one.
      const tighter =
        typeof other !== 'number' || (bound === 'minimum' ? value >= other : value <= other);
      if (tighter) {
        s[bound] = value;
        s[exclusive] = true;
      } else delete s[exclusive];
    }
  }
  if (s.contentEncoding === 'base64' && s.format === undefined) s.format = 'byte';
  if (
    typeof s.contentMediaType === 'string' &&
    BINARY_MEDIA.test(s.contentMediaType) &&
    s.format === undefined
  )
    s.format = 'binary';
  if (Array.isArray(s.prefixItems) && s.items === undefined) {
    const items = s.prefixItems;
    s.items = items.length === 1 ? items[0] : { anyOf: items };
  }

  let nullable = s.nullable === true;
  if (Array.isArray(s.type)) {
    const types = (s.type as unknown[]).filter((t) => t !== 'null');
    nullable ||= types.length < s.type.length;
    if (types.length === 1) s.type = types[0];
    else {
      delete s.type;
      if (types.length > 1) {
        const anyOf = types.map((t) => ({ type: t }));
        if (s.anyOf === undefined) s.anyOf = anyOf;
        else s.allOf = [...((s.allOf as unknown[]) ?? []), { anyOf }];
      } else if (s.enum === undefined) s.enum = [null];
    }
  } else if (s.type === 'null') {
    delete s.type;
    nullable = true;
    if (s.enum === undefined) s.enum = [null];
  }
  // `anyOf: [X, {type: null}]` (the other 3.1 way to say "or null").
  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (!Array.isArray(list)) continue;
    const rest = list.filter(
      (x) => !(isObject(x) && x.type === 'null' && Object.keys(x).length === 1),
    );
    if (rest.length < list.length) {
      nullable = true;
      s[key] = rest;
    }
  }
  if (nullable) s.nullable = true;

  const out: Json = {};
  for (const [key, value] of Object.entries(s)) {
    if (key.startsWith('x-')) out[key] = value;
    else if (!SCHEMA_30_KEYWORDS.has(key)) continue;
    else if (key === 'properties' && isObject(value))
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, schemaTo30(v)]));
    else if (key === 'items' || key === 'not') out[key] = schemaTo30(value);
    else if (key === 'additionalProperties')
      out[key] = typeof value === 'boolean' ? value : schemaTo30(value);
    else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value))
      out[key] = value.map(schemaTo30);
    else out[key] = value;
  }
  // 3.0: `items` is required when `type` is array.
  if (out.type === 'array' && out.items === undefined) out.items = {};
  return out;
}

/** A media type map (`content`): each schema converted, `examples` kept (valid in 3.0 there). */
function contentTo30(content: unknown): unknown {
  if (!isObject(content)) return content;
  return Object.fromEntries(
    Object.entries(content).map(([type, media]) => [
      type,
      isObject(media) && media.schema !== undefined
        ? { ...media, schema: schemaTo30(media.schema) }
        : media,
    ]),
  );
}

function parameterTo30(parameter: unknown): unknown {
  if (!isObject(parameter)) return parameter;
  return {
    ...parameter,
    ...(parameter.schema !== undefined ? { schema: schemaTo30(parameter.schema) } : {}),
    ...(parameter.content !== undefined ? { content: contentTo30(parameter.content) } : {}),
  };
}

function headersTo30(headers: unknown): unknown {
  if (!isObject(headers)) return headers;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, parameterTo30(v)]));
}

function requestBodyTo30(body: unknown): unknown {
  if (!isObject(body) || body.content === undefined) return body;
  return { ...body, content: contentTo30(body.content) };
}

function responseTo30(response: unknown): unknown {
  if (!isObject(response)) return response;
  return {
    ...response,
    ...(response.content !== undefined ? { content: contentTo30(response.content) } : {}),
    ...(response.headers !== undefined ? { headers: headersTo30(response.headers) } : {}),
  };
}

const mapValues = (value: unknown, fn: (v: unknown) => unknown): unknown =>
  isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v)])) : value;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operationTo30(operation: unknown, scopesAllowed: (scheme: string) => boolean): unknown {
  if (!isObject(operation)) return operation;
  const out: Json = { ...operation };
  if (Array.isArray(out.parameters)) out.parameters = out.parameters.map(parameterTo30);
  if (out.requestBody !== undefined) out.requestBody = requestBodyTo30(out.requestBody);
  if (out.responses !== undefined) out.responses = mapValues(out.responses, responseTo30);
  if (Array.isArray(out.security)) out.security = securityTo30(out.security, scopesAllowed);
  // Our own extension carries whole operations (query variants): the same rewriting applies.
  const variants = out['x-naftiko-query-variants'];
  if (Array.isArray(variants)) {
    out['x-naftiko-query-variants'] = variants.map((v) => operationTo30(v, scopesAllowed));
  }
  delete out.callbacks; // 3.0 callbacks hold path items; none are generated, none are converted
  return out;
}

function pathItemTo30(item: unknown, scopesAllowed: (scheme: string) => boolean): unknown {
  if (!isObject(item)) return item;
  const out: Json = { ...item };
  for (const method of METHODS) {
    if (out[method] !== undefined) out[method] = operationTo30(out[method], scopesAllowed);
  }
  if (Array.isArray(out.parameters)) out.parameters = out.parameters.map(parameterTo30);
  return out;
}

function securityTo30(
  requirements: unknown[],
  scopesAllowed: (scheme: string) => boolean,
): unknown[] {
  return requirements.map((r) =>
    isObject(r)
      ? Object.fromEntries(
          Object.entries(r).map(([name, scopes]) => [name, scopesAllowed(name) ? scopes : []]),
        )
      : r,
  );
}

/** A whole OpenAPI 3.1 document as OpenAPI 3.0.3. */
export function openApiTo30(doc: Json): Json {
  const components = isObject(doc.components) ? doc.components : undefined;
  const schemes = isObject(components?.securitySchemes) ? components.securitySchemes : {};
  const scopesAllowed = (name: string) => {
    const scheme = schemes[name];
    return isObject(scheme) && (scheme.type === 'oauth2' || scheme.type === 'openIdConnect');
  };
  const out: Json = {};
  for (const [key, value] of Object.entries(doc)) {
    switch (key) {
      case 'openapi':
        out.openapi = '3.0.3';
        break;
      case 'webhooks':
      case 'jsonSchemaDialect':
        break;
      case 'info': {
        if (!isObject(value)) break;
        const info: Json = { ...value };
        delete info.summary;
        if (isObject(info.license)) {
          const license: Json = { ...info.license };
          delete license.identifier;
          info.license = license;
        }
        out.info = info;
        break;
      }
      case 'paths':
        out.paths = mapValues(value, (item) => pathItemTo30(item, scopesAllowed));
        break;
      case 'security':
        out.security = Array.isArray(value) ? securityTo30(value, scopesAllowed) : value;
        break;
      case 'components':
        out.components = componentsTo30(value);
        break;
      default:
        out[key] = value;
    }
  }
  out.paths ??= {};
  return out;
}

function componentsTo30(value: unknown): unknown {
  if (!isObject(value)) return value;
  const out: Json = { ...value };
  delete out.pathItems;
  if (out.schemas !== undefined) out.schemas = mapValues(out.schemas, schemaTo30);
  if (out.parameters !== undefined) out.parameters = mapValues(out.parameters, parameterTo30);
  if (out.headers !== undefined) out.headers = headersTo30(out.headers);
  if (out.requestBodies !== undefined)
    out.requestBodies = mapValues(out.requestBodies, requestBodyTo30);
  if (out.responses !== undefined) out.responses = mapValues(out.responses, responseTo30);
  return out;
}
