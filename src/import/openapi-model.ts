/**
 * Swagger 2.0 and OpenAPI 3.0/3.1 documents (already dereferenced) read into one small model of
 * what an importer needs: the base URI, the security schemes, and each operation with its merged
 * parameters (path-level, then operation-level), its JSON request body and its response format.
 * What cannot be carried over is recorded as a note, never silently dropped. Pure functions.
 */

export type Json = Record<string, unknown>;

export const PARAMETER_TYPES = [
  'string',
  'number',
  'integer',
  'boolean',
  'array',
  'object',
] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required: boolean;
  readonly description: string | undefined;
  readonly type: ParameterType;
  /**
   * How an array travels as one value (`comma-separated values`...): the input is then a string
   * the caller formats, since the engine sends arrays by repeating the key.
   */
  readonly serialization?: string;
  /** The member types of a `oneOf`/`anyOf` whose members differ (the input is then a string). */
  readonly mixed?: readonly ParameterType[];
  /** The allowed values of a string parameter. */
  readonly enum?: readonly string[];
}

export interface ApiBody {
  readonly required: boolean;
  readonly description: string | undefined;
  readonly type: ParameterType;
  /** The member types of a `oneOf`/`anyOf` body whose members differ. */
  readonly mixed?: readonly ParameterType[];
  /** The body's properties, `allOf` members merged: name, type, required. */
  readonly fields: readonly { name: string; type: ParameterType; required: boolean }[];
}

export type SecurityScheme =
  | { readonly kind: 'bearer'; readonly name: string; readonly note?: string }
  | { readonly kind: 'basic' | 'digest'; readonly name: string }
  | {
      readonly kind: 'apikey';
      readonly name: string;
      readonly key: string;
      readonly placement: 'header' | 'query';
    }
  | { readonly kind: 'unsupported'; readonly name: string; readonly reason: string };

export interface ApiOperation {
  readonly path: string;
  readonly method: string;
  readonly operationId: string | undefined;
  readonly summary: string | undefined;
  readonly description: string | undefined;
  readonly tags: readonly string[];
  readonly parameters: readonly ApiParameter[];
  readonly body: ApiBody | undefined;
  /** outputRawFormat of the first 2xx response, when known. */
  readonly outputFormat: string | undefined;
  /** The operation's own `security`, when it declares one. */
  readonly security: readonly Json[] | undefined;
  /** What of this operation is not carried over, and why. */
  readonly notes: readonly string[];
  readonly deprecated: boolean;
  /** The base URI of the path item's or the operation's own `servers`, when it has some. */
  readonly baseUri?: string;
}

export interface ApiModel {
  readonly version: string;
  readonly title: string;
  readonly description: string | undefined;
  readonly tags: readonly string[];
  readonly baseUri: string;
  readonly schemes: ReadonlyMap<string, SecurityScheme>;
  readonly security: readonly Json[] | undefined;
  readonly operations: readonly ApiOperation[];
  /** Operations whose HTTP method a capability cannot express. */
  readonly skipped: readonly string[];
  /** Document-level notes (base URI guesses, webhooks...). */
  readonly notes: readonly string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SUPPORTED_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

export function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Follows a `$ref` left in place (a circular one) one step, within the document. */
function follow(root: Json, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isRecord(current) && typeof current.$ref === 'string' && hops < 10; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith('#/')) return {};
    current = ref
      .slice(2)
      .split('/')
      .map((part) => decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~')))
      .reduce<unknown>((at, part) => (isRecord(at) ? at[part] : undefined), root);
  }
  return current;
}

/** The parameter type a JSON Schema (or a Swagger 2.0 parameter) stands for. */
export function schemaType(root: Json, raw: unknown, depth = 0): ParameterType {
  const schema = follow(root, raw);
  if (!isRecord(schema) || depth > 8) return 'string';
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null');
  if (typeof type === 'string' && (PARAMETER_TYPES as readonly string[]).includes(type))
    return type as ParameterType;
  for (const combo of ['allOf', 'oneOf', 'anyOf']) {
    const members = schema[combo];
    if (Array.isArray(members) && members.length > 0) {
      const types = members.map((m) => schemaType(root, m, depth + 1));
      return types.includes('object') ? 'object' : (types[0] as ParameterType);
    }
  }
  if (isRecord(schema.properties) || isRecord(schema.additionalProperties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return 'string';
}

/**
 * The distinct member types of a `oneOf`/`anyOf` (or a `type` list) whose members do not all have
 * one type, or undefined. (`integer` and `number` together count as `number`.)
 */
export function mixedTypes(root: Json, raw: unknown): ParameterType[] | undefined {
  const schema = follow(root, raw);
  if (!isRecord(schema)) return undefined;
  let types: ParameterType[] = [];
  if (Array.isArray(schema.type)) {
    types = schema.type.filter(
      (t): t is ParameterType =>
        t !== 'null' && (PARAMETER_TYPES as readonly string[]).includes(String(t)),
    );
  } else if (schema.type === undefined) {
    for (const combo of ['oneOf', 'anyOf']) {
      const members = schema[combo];
      if (Array.isArray(members) && members.length > 0)
        types = members
          .filter((m) => !(isRecord(follow(root, m)) && (follow(root, m) as Json).type === 'null'))
          .map((m) => schemaType(root, m, 1));
    }
  }
  const distinct = [...new Set(types)];
  if (distinct.length === 2 && distinct.includes('integer') && distinct.includes('number'))
    return undefined;
  return distinct.length > 1 ? distinct : undefined;
}

/** Properties of an object schema, `allOf` members merged (later members win). */
export function schemaFields(
  root: Json,
  raw: unknown,
  depth = 0,
): { name: string; type: ParameterType; required: boolean }[] {
  const schema = follow(root, raw);
  if (!isRecord(schema) || depth > 8) return [];
  const fields = new Map<string, { name: string; type: ParameterType; required: boolean }>();
  const add = (list: { name: string; type: ParameterType; required: boolean }[]): void => {
    for (const field of list) {
      const known = fields.get(field.name);
      fields.set(field.name, { ...field, required: field.required || known?.required === true });
    }
  };
  if (Array.isArray(schema.allOf))
    for (const m of schema.allOf) add(schemaFields(root, m, depth + 1));
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  if (isRecord(schema.properties)) {
    add(
      Object.entries(schema.properties).map(([name, prop]) => ({
        name,
        type: schemaType(root, prop, depth + 1),
        required: required.has(name),
      })),
    );
  }
  // `required` in one allOf member may name a property another one declares.
  for (const name of required) {
    const known = fields.get(name);
    if (known) fields.set(name, { ...known, required: true });
  }
  return [...fields.values()];
}

const RAW_FORMATS: readonly [RegExp, string][] = [
  [/[/+]json\b/i, 'json'],
  [/[/+]xml\b/i, 'xml'],
  [/[/+-]yaml\b/i, 'yaml'],
  [/\/csv\b/i, 'csv'],
  [/\/tab-separated-values\b/i, 'tsv'],
  [/\/html\b/i, 'html'],
  [/\/markdown\b/i, 'markdown'],
];

function rawFormat(mediaTypes: readonly string[]): string | undefined {
  for (const [pattern, format] of RAW_FORMATS)
    if (mediaTypes.some((m) => pattern.test(m))) return format;
  return undefined;
}

function isJsonMedia(media: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json\b/i.test(media) || media === '*/*';
}

function serverUrl(doc: Json, notes: string[], own?: unknown[]): string {
  let url: string | undefined;
  if (typeof doc.swagger === 'string' && own === undefined) {
    const schemes = Array.isArray(doc.schemes) ? doc.schemes.map(String) : [];
    const scheme = schemes.includes('https') ? 'https' : (schemes[0] ?? 'https');
    const host = text(doc.host);
    if (host === undefined) {
      notes.push(
        'no `host`: baseUri is http://localhost; point it at the API (or run with --base-uri)',
      );
      url = `http://localhost${text(doc.basePath) ?? ''}`;
    } else url = `${scheme}://${host}${text(doc.basePath) ?? ''}`;
  } else {
    const servers = (own ?? (Array.isArray(doc.servers) ? doc.servers : [])).filter(isRecord);
    const server = servers[0];
    if (server === undefined || text(server.url) === undefined) {
      notes.push(
        'no `servers`: baseUri is http://localhost; point it at the API (or run with --base-uri)',
      );
      url = 'http://localhost';
    } else {
      const variables = isRecord(server.variables) ? server.variables : {};
      url = String(server.url).replace(/\{([^}]+)\}/g, (_, name: string) => {
        const variable = variables[name];
        return isRecord(variable) && variable.default !== undefined
          ? String(variable.default)
          : name;
      });
      if (!/^https?:\/\//i.test(url)) {
        notes.push(
          `server URL ${url} is relative: baseUri is http://localhost${url.startsWith('/') ? url : `/${url}`}`,
        );
        url = `http://localhost${url.startsWith('/') ? url : `/${url}`}`;
      }
      if (servers.length > 1) notes.push(`${servers.length} servers: the first one is the baseUri`);
    }
  }
  url = url.replace(/\/+$/, '');
  if (url.includes('{', url.indexOf('//') + 2)) {
    notes.push(`baseUri ${url} has a placeholder a capability cannot express: it was dropped`);
    url = url.slice(0, url.indexOf('{')).replace(/\/+$/, '');
  }
  return url;
}

function readSchemes(doc: Json): Map<string, SecurityScheme> {
  const raw =
    typeof doc.swagger === 'string'
      ? doc.securityDefinitions
      : isRecord(doc.components)
        ? doc.components.securitySchemes
        : undefined;
  const schemes = new Map<string, SecurityScheme>();
  for (const [name, value] of Object.entries(isRecord(raw) ? raw : {})) {
    if (!isRecord(value)) continue;
    const type = String(value.type);
    const scheme = String(value.scheme ?? '').toLowerCase();
    if (type === 'http' && scheme === 'bearer') schemes.set(name, { kind: 'bearer', name });
    else if ((type === 'http' && scheme === 'basic') || type === 'basic')
      schemes.set(name, { kind: 'basic', name });
    else if (type === 'http' && scheme === 'digest') schemes.set(name, { kind: 'digest', name });
    else if (type === 'apiKey') {
      const where = String(value.in);
      if ((where === 'header' || where === 'query') && typeof value.name === 'string')
        schemes.set(name, { kind: 'apikey', name, key: value.name, placement: where });
      else
        schemes.set(name, {
          kind: 'unsupported',
          name,
          reason: `an API key in a ${where} is not expressible (consumes API keys go in a header or the query)`,
        });
    } else if (type === 'oauth2' || type === 'openIdConnect')
      schemes.set(name, {
        kind: 'bearer',
        name,
        note: `${type} scheme "${name}": the engine does not run OAuth flows; the access token is a bound variable`,
      });
    else
      schemes.set(name, {
        kind: 'unsupported',
        name,
        reason: `${type}${scheme ? ` ${scheme}` : ''} security is not expressible in a consumes authentication`,
      });
  }
  return schemes;
}

const SERIALIZATIONS: Record<string, string> = {
  csv: 'comma-separated values',
  ssv: 'space-separated values',
  tsv: 'tab-separated values',
  pipes: 'pipe-separated values',
  form: 'comma-separated values',
  spaceDelimited: 'space-separated values',
  pipeDelimited: 'pipe-separated values',
};

/** How a query array is sent when it is one value (not the key repeated), or undefined. */
function serialization(p: Json, swagger: boolean): string | undefined {
  if (swagger) {
    const format = typeof p.collectionFormat === 'string' ? p.collectionFormat : 'csv';
    return format === 'multi' ? undefined : (SERIALIZATIONS[format] ?? `${format} values`);
  }
  const style = typeof p.style === 'string' ? p.style : 'form';
  const explode = typeof p.explode === 'boolean' ? p.explode : style === 'form';
  return explode ? undefined : (SERIALIZATIONS[style] ?? `${style}-style values`);
}

function readParameter(root: Json, raw: unknown, swagger: boolean): ApiParameter | string {
  const p = follow(root, raw);
  if (!isRecord(p) || typeof p.name !== 'string') return 'a parameter without a name';
  const where = String(p.in);
  if (where !== 'path' && where !== 'query' && where !== 'header' && where !== 'cookie')
    return `${where} parameter "${p.name}"`;
  if (swagger && p.type === 'file') return `file parameter "${p.name}"`;
  if (!swagger && p.style === 'deepObject')
    return `deepObject ${where} parameter "${p.name}" (the engine does not send key[prop]=value)`;
  let schema: unknown = p;
  if (!swagger) {
    const media = isRecord(p.content) ? follow(root, Object.values(p.content)[0]) : undefined;
    schema = p.schema ?? (isRecord(media) ? media.schema : undefined) ?? {};
  }
  let type = schemaType(root, schema);
  const mixed = mixedTypes(root, schema);
  // Text travels as text: a parameter of mixed types is the caller's string, sent as is.
  if (mixed !== undefined) type = 'string';
  let format: string | undefined;
  if (type === 'array' && where === 'query' && isRecord(p) && p.content === undefined) {
    format = serialization(p, swagger);
    if (format !== undefined) type = 'string';
  }
  const resolved = follow(root, schema);
  const values =
    isRecord(resolved) && Array.isArray(resolved.enum) && type === 'string'
      ? resolved.enum.filter((v) => typeof v === 'string')
      : [];
  return {
    name: p.name,
    in: where,
    required: p.required === true || where === 'path',
    description: text(p.description),
    type,
    ...(format !== undefined ? { serialization: format } : {}),
    ...(mixed !== undefined ? { mixed } : {}),
    ...(values.length > 0 ? { enum: values } : {}),
  };
}

/** Reads a dereferenced Swagger 2.0 or OpenAPI 3.x document. */
export function readOpenApi(doc: Json): ApiModel {
  const swagger = typeof doc.swagger === 'string';
  const version = swagger ? `Swagger ${String(doc.swagger)}` : `OpenAPI ${String(doc.openapi)}`;
  const info = isRecord(doc.info) ? doc.info : {};
  const notes: string[] = [];
  const baseUri = serverUrl(doc, notes);
  if (isRecord(doc.webhooks) && Object.keys(doc.webhooks).length > 0)
    notes.push(
      `webhooks (${Object.keys(doc.webhooks).join(', ')}) skipped: a capability consumes APIs, it does not receive their calls`,
    );
  const globalConsumes = Array.isArray(doc.consumes) ? doc.consumes.map(String) : [];
  const globalProduces = Array.isArray(doc.produces) ? doc.produces.map(String) : [];
  const operations: ApiOperation[] = [];
  const skipped: string[] = [];
  const paths = isRecord(doc.paths) ? doc.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = follow(doc, rawItem);
    if (!isRecord(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    const pathServers =
      !swagger && Array.isArray(item.servers) && item.servers.length > 0 ? item.servers : undefined;
    for (const method of METHODS) {
      const op = item[method];
      if (!isRecord(op)) continue;
      const label = `${method.toUpperCase()} ${path}${typeof op.operationId === 'string' ? ` (${op.operationId})` : ''}`;
      if (!SUPPORTED_METHODS.has(method)) {
        skipped.push(`${label}: ${method.toUpperCase()} is not an alpha2 HTTP method`);
        continue;
      }
      const opNotes: string[] = [];
      // Path-level parameters first; an operation-level one with the same name and place wins.
      const byKey = new Map<string, ApiParameter>();
      let body: ApiBody | undefined;
      const formFields: string[] = [];
      for (const raw of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const p = follow(doc, raw);
        if (swagger && isRecord(p) && p.in === 'body') {
          body = {
            required: p.required === true,
            description:
              text(p.description) ?? text(isRecord(p.schema) ? p.schema.description : undefined),
            type: schemaType(doc, p.schema),
            ...(mixedTypes(doc, p.schema) !== undefined
              ? { mixed: mixedTypes(doc, p.schema) as ParameterType[] }
              : {}),
            fields: schemaFields(doc, p.schema),
          };
          continue;
        }
        if (swagger && isRecord(p) && p.in === 'formData') {
          formFields.push(String(p.name));
          continue;
        }
        const parsed = readParameter(doc, raw, swagger);
        if (typeof parsed === 'string')
          opNotes.push(`${parsed} skipped: not expressible as a consumed parameter`);
        else byKey.set(`${parsed.in}:${parsed.name}`, parsed);
      }
      if (formFields.length > 0)
        opNotes.push(
          `form body (${formFields.join(', ')}) skipped: only JSON request bodies are imported`,
        );
      if (swagger && body !== undefined) {
        const consumes = Array.isArray(op.consumes) ? op.consumes.map(String) : globalConsumes;
        if (consumes.length > 0 && !consumes.some(isJsonMedia)) {
          opNotes.push(
            `${consumes.join(', ')} request body skipped: only JSON request bodies are imported`,
          );
          body = undefined;
        }
      }
      if (!swagger && op.requestBody !== undefined) {
        const rb = follow(doc, op.requestBody);
        const content = isRecord(rb) && isRecord(rb.content) ? rb.content : {};
        const json = Object.keys(content).find(isJsonMedia);
        if (json !== undefined && isRecord(rb)) {
          const media = follow(doc, content[json]);
          const schema = isRecord(media) ? media.schema : undefined;
          body = {
            required: rb.required === true,
            description:
              text(rb.description) ?? text(isRecord(schema) ? schema.description : undefined),
            type: schema === undefined ? 'object' : schemaType(doc, schema),
            ...(mixedTypes(doc, schema) !== undefined
              ? { mixed: mixedTypes(doc, schema) as ParameterType[] }
              : {}),
            fields: schemaFields(doc, schema),
          };
        } else {
          opNotes.push(
            `${Object.keys(content).join(', ') || 'empty'} request body skipped: only JSON request bodies are imported`,
          );
        }
      }
      if (isRecord(op.callbacks) && Object.keys(op.callbacks).length > 0)
        opNotes.push(
          `callbacks (${Object.keys(op.callbacks).join(', ')}) skipped: a capability does not receive calls from its upstream`,
        );
      const responses = isRecord(op.responses) ? op.responses : {};
      const success = Object.keys(responses)
        .sort()
        .find((code) => /^2/.test(code));
      let media: string[] = [];
      if (swagger) media = Array.isArray(op.produces) ? op.produces.map(String) : globalProduces;
      else if (success !== undefined) {
        const response = follow(doc, responses[success]);
        media =
          isRecord(response) && isRecord(response.content) ? Object.keys(response.content) : [];
      }
      const opServers =
        !swagger && Array.isArray(op.servers) && op.servers.length > 0 ? op.servers : pathServers;
      let ownBase: string | undefined;
      if (opServers !== undefined) {
        const serverNotes: string[] = [];
        ownBase = serverUrl(doc, serverNotes, opServers);
        opNotes.push(...serverNotes.map((n) => `its own servers: ${n}`));
        if (ownBase === baseUri) ownBase = undefined;
      }
      operations.push({
        path,
        method: method.toUpperCase(),
        operationId: text(op.operationId),
        summary: text(op.summary),
        description: text(op.description),
        tags: Array.isArray(op.tags) ? op.tags.map(String) : [],
        parameters: [...byKey.values()],
        body,
        outputFormat: rawFormat(media),
        security: Array.isArray(op.security) ? op.security.filter(isRecord) : undefined,
        notes: opNotes,
        deprecated: op.deprecated === true,
        ...(ownBase !== undefined ? { baseUri: ownBase } : {}),
      });
    }
  }
  return {
    version,
    title: text(info.title) ?? 'api',
    description: text(info.description),
    tags: Array.isArray(doc.tags) ? doc.tags.filter(isRecord).map((t) => String(t.name)) : [],
    baseUri,
    schemes: readSchemes(doc),
    security: Array.isArray(doc.security) ? doc.security.filter(isRecord) : undefined,
    operations,
    skipped,
    notes,
  };
}
