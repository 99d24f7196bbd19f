// The request plan of the corpus run: one concrete HTTP request per exposed REST operation, built
// from the adapter's own `/openapi.json` (what a client of the adapter sees), not from the spec.
//
// - Path parameters are filled; of the query, header and cookie parameters only the required ones
//   are sent; a required request body is sent as JSON. Each value has the type its JSON schema
//   declares (`const` → that value, `enum` → its first value, `format` and `pattern` honoured
//   where a candidate fits, `minimum` for numbers).
// - A resource path with a query (`/v1/?Action=RunInstances`) is one OpenAPI path item for all
//   its variants; `x-naftiko-query-variants` lists each variant's fixed query values and its own
//   parameters, so the plan takes the variant whose fixed values are the spec path's and sends
//   them (see src/exposes/rest/query-variants.ts).
// - Without an OpenAPI entry (no /openapi.json, or the operation missing from it) the plan falls
//   back to the spec's declared inputs and `with` references, and says so (`openapi: false`).
/* global URLSearchParams */

const STRING_CANDIDATES = [
  'abc',
  '1',
  'abc123',
  'ABC',
  'a',
  'abc-123',
  'abc_123',
  '123456',
  '2024-01-01',
  '2024-01-01T00:00:00Z',
  'user@example.com',
  'https://example.com',
  'true',
  'A1',
  '00000000-0000-0000-0000-000000000000',
];

/** A plausible value per JSON-schema string `format` (OpenAPI 3.1 / draft 2020-12 names). */
const FORMAT_VALUES = {
  date: '2024-01-01',
  'date-time': '2024-01-01T00:00:00Z',
  time: '00:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  'uri-reference': 'https://example.com',
  hostname: 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  uuid: '00000000-0000-0000-0000-000000000000',
  int32: '1',
  int64: '1',
};

/** A plausible string for an input name, honouring a format and a pattern when one fits. */
export function plausibleString(name, pattern, format) {
  let preferred = 'abc';
  if (format !== undefined && FORMAT_VALUES[format] !== undefined) {
    preferred = FORMAT_VALUES[format];
  } else if (/(^id$|id$|_id$|Id$|number|num$|count|limit|page|size|offset|index)/i.test(name)) {
    preferred = '1';
  } else if (/email/i.test(name)) preferred = 'user@example.com';
  else if (/date|time|since|until|from$|^to$/i.test(name)) preferred = '2024-01-01';
  if (pattern === undefined) return preferred;
  let re;
  try {
    re = new RegExp(pattern, 'u');
  } catch {
    return preferred;
  }
  const fits = [preferred, ...STRING_CANDIDATES].find((c) => re.test(c));
  if (fits !== undefined) return fits;
  const sample = sampleForPattern(pattern);
  return sample !== undefined && re.test(sample) ? sample : preferred;
}

/**
 * A string a simple regular expression matches (the shortest such string, near enough):
 * literals, escapes (\d \w \s and escaped literals), classes (`[a-z0-9]`, first range taken),
 * groups (first alternative), quantifiers (`? * + {n} {n,m}`: the minimum, at least one for
 * `+`); anchors are dropped. Undefined for what it cannot read (back-references, lookarounds).
 */
export function sampleForPattern(pattern) {
  let i = 0;
  const atom = () => {
    const c = pattern[i++];
    if (c === '\\') {
      const e = pattern[i++];
      if (e === 'd') return '1';
      if (e === 'w') return 'a';
      if (e === 's') return ' ';
      if (e === undefined || /[1-9bBkpP]/.test(e)) throw new Error('unsupported');
      return e;
    }
    if (c === '[') {
      const negated = pattern[i] === '^';
      if (negated) i++;
      let first;
      while (i < pattern.length && (pattern[i] !== ']' || first === undefined)) {
        let ch = pattern[i++];
        if (ch === '\\') {
          const e = pattern[i++];
          ch = e === 'd' ? '1' : e === 'w' ? 'a' : e === 's' ? ' ' : e;
        }
        first ??= ch;
      }
      i++; // ]
      if (negated) return first === 'a' ? 'b' : 'a';
      return first;
    }
    if (c === '(') {
      if (pattern[i] === '?') {
        if (pattern[i + 1] !== ':') throw new Error('unsupported');
        i += 2;
      }
      const inner = sequence();
      i++; // )
      return inner;
    }
    if (c === '.') return 'a';
    return c;
  };
  const sequence = () => {
    let out = '';
    while (i < pattern.length && pattern[i] !== ')') {
      if (pattern[i] === '|') {
        // First alternative taken: skip the others at this level.
        let depth = 0;
        while (i < pattern.length && !(depth === 0 && pattern[i] === ')')) {
          if (pattern[i] === '\\') i++;
          else if (pattern[i] === '(') depth++;
          else if (pattern[i] === ')') depth--;
          i++;
        }
        break;
      }
      if (pattern[i] === '^' || pattern[i] === '$') {
        i++;
        continue;
      }
      const piece = atom();
      let min = 1;
      const q = pattern[i];
      if (q === '?' || q === '*') {
        min = 0;
        i++;
      } else if (q === '+') i++;
      else if (q === '{') {
        const m = /^\{(\d+)(,\d*)?\}/.exec(pattern.slice(i));
        if (m) {
          min = Number(m[1]);
          i += m[0].length;
        }
      }
      if (pattern[i] === '?') i++; // lazy
      out += piece.repeat(min);
    }
    return out;
  };
  try {
    const out = sequence();
    return i >= pattern.length ? out : undefined;
  } catch {
    return undefined;
  }
}

/** A plausible JSON value for an input of a type (the spec's `type`, no schema). */
export function plausible(name, type, pattern) {
  return valueForSchema(name, { ...(type ? { type } : {}), ...(pattern ? { pattern } : {}) });
}

/** The first non-null type of a JSON schema (`type` may be a list in 3.1). */
function typeOf(schema) {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

/** A value of the type a JSON schema declares. */
export function valueForSchema(name, schema = {}) {
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (typeOf(schema)) {
    case 'integer':
      return typeof schema.minimum === 'number' ? Math.max(1, Math.ceil(schema.minimum)) : 1;
    case 'number':
      return typeof schema.minimum === 'number' ? Math.max(1, schema.minimum) : 1;
    case 'boolean':
      return true;
    case 'array': {
      const items = schema.items !== null && typeof schema.items === 'object' ? schema.items : {};
      return [
        valueForSchema(name, { ...(schema.pattern ? { pattern: schema.pattern } : {}), ...items }),
      ];
    }
    case 'object': {
      const object = {};
      const properties = schema.properties ?? {};
      for (const key of schema.required ?? []) {
        object[key] = valueForSchema(key, properties[key] ?? {});
      }
      return object;
    }
    default:
      return plausibleString(name, schema.pattern, schema.format);
  }
}

/** The same value as text, for a path segment, query string, header or cookie. */
export function asText(value) {
  if (Array.isArray(value)) return value.map((v) => asText(v)).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}|\{([^{}\s]+)\}/g;

/** `/v1/?Action=X` → the OpenAPI path key (`{{x}}` → `{x}`, no query) and the fixed pairs. */
export function splitResourcePath(resourcePath) {
  const templated = resourcePath.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, '{$1}');
  const mark = templated.indexOf('?');
  const bare = mark < 0 ? templated : templated.slice(0, mark);
  return {
    path: bare.startsWith('/') ? bare : `/${bare}`,
    bare,
    query: mark < 0 ? [] : [...new URLSearchParams(templated.slice(mark + 1))],
  };
}

/** The OpenAPI operation (or query variant) that describes a spec operation, if any. */
export function openApiOperation(openapi, resource, operation) {
  const method = String(operation.method ?? 'GET').toLowerCase();
  const { path, bare, query } = splitResourcePath(resource.path);
  const entry = (openapi?.paths?.[path] ?? openapi?.paths?.[bare])?.[method];
  if (entry === undefined) return { path, query, entry: undefined };
  const variants = entry['x-naftiko-query-variants'];
  if (!Array.isArray(variants)) return { path, query, entry };
  const fixed = JSON.stringify(Object.fromEntries(query));
  const variant =
    variants.find((v) => JSON.stringify(v.query ?? {}) === fixed) ??
    variants.find((v) => operation.name !== undefined && v.operationId === operation.name);
  return { path, query, entry: variant };
}

/** Caller inputs an operation reaches through `with` (rest.X, <namespace>.X), by name. */
function withReferences(operation, namespace) {
  const names = new Set();
  for (const value of Object.values(operation.with ?? {})) {
    if (typeof value !== 'string') continue;
    const m = /^(rest|tools|mcp|[A-Za-z0-9_-]+)\.([^\s.{}]+)$/.exec(value.trim());
    if (m && (m[1] === 'rest' || m[1] === namespace)) names.add(m[2]);
  }
  return names;
}

/** Parameters and body schema as the spec gives them, for an operation /openapi.json lacks. */
function fromSpec(adapter, resource, operation) {
  const declared = [...(resource.inputParameters ?? []), ...(operation.inputParameters ?? [])];
  const parameters = [];
  for (const p of declared) {
    if (p.in === 'body') continue;
    const schema = {
      ...(p.type ? { type: p.type } : {}),
      ...(p.pattern ? { pattern: p.pattern } : {}),
    };
    parameters.push({ name: p.name, in: p.in ?? 'query', required: p.required !== false, schema });
  }
  for (const name of withReferences(operation, adapter.namespace)) {
    if (name !== 'body' && !parameters.some((p) => p.name === name)) {
      parameters.push({ name, in: 'query', required: true, schema: {} });
    }
  }
  const fields = declared.filter((p) => p.in === 'body' && p.name !== 'body');
  const wantsBody =
    fields.length > 0 ||
    declared.some((p) => p.in === 'body' && p.name === 'body') ||
    withReferences(operation, adapter.namespace).has('body');
  const requestBody = wantsBody
    ? {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: Object.fromEntries(fields.map((f) => [f.name, { type: f.type }])),
              required: fields.map((f) => f.name),
            },
          },
        },
      }
    : undefined;
  return { parameters, requestBody };
}

const UNSENDABLE_HEADER = /^(host|content-length|content-type|connection|transfer-encoding)$/i;

/**
 * A concrete request for one exposed operation: path placeholders filled, the fixed query values
 * of a query variant, every required query, header and cookie parameter, and a JSON body when
 * the request body is required — all from the adapter's /openapi.json when it describes the
 * operation (see the file header).
 */
export function planRequest(adapter, resource, operation, openapi) {
  const method = String(operation.method ?? 'GET').toUpperCase();
  const { path, query: fixedPairs, entry } = openApiOperation(openapi, resource, operation);
  const { parameters, requestBody } =
    entry !== undefined
      ? { parameters: entry.parameters ?? [], requestBody: entry.requestBody }
      : fromSpec(adapter, resource, operation);

  const byPathName = new Map(parameters.filter((p) => p.in === 'path').map((p) => [p.name, p]));
  const pathText = path.replace(PLACEHOLDER, (_m, a, b) => {
    const name = a ?? b;
    return encodeURIComponent(asText(valueForSchema(name, byPathName.get(name)?.schema ?? {})));
  });

  const query = new URLSearchParams();
  const headers = {};
  const cookies = [];
  // The fixed values that select a query variant, whatever the description says.
  const fixed = new Map(fixedPairs);
  for (const [name, value] of fixed) query.append(name, value);
  for (const p of parameters) {
    if (p.in === 'path' || p.required !== true) continue;
    if (p.in === 'query' && fixed.has(p.name)) continue;
    const value = valueForSchema(p.name, p.schema ?? {});
    if (p.in === 'query') {
      for (const v of Array.isArray(value) ? value : [value]) query.append(p.name, asText(v));
    } else if (p.in === 'header') {
      if (!UNSENDABLE_HEADER.test(p.name)) headers[p.name.toLowerCase()] = asText(value);
    } else if (p.in === 'cookie') cookies.push(`${p.name}=${encodeURIComponent(asText(value))}`);
  }
  if (cookies.length > 0) headers.cookie = cookies.join('; ');

  let body;
  if (requestBody?.required === true) {
    const content = requestBody.content ?? {};
    const [type = 'application/json'] = Object.keys(content);
    body = JSON.stringify(valueForSchema('body', content[type]?.schema ?? { type: 'object' }));
    headers['content-type'] = 'application/json';
  }
  const search = query.toString();
  return {
    method,
    path: resource.path.startsWith('/') ? resource.path : `/${resource.path}`,
    target: search === '' ? pathText : `${pathText}?${search}`,
    headers,
    ...(body !== undefined ? { body } : {}),
    openapi: entry !== undefined,
  };
}
