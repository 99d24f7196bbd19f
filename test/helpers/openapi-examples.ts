/**
 * The example-driven half of the OpenAPI stand-in (openapi-stand-in.ts): routes compiled from an
 * OpenAPI 3.x document's `paths`, and, for a matched request, the example to answer with, chosen
 * the way Microcks does from `x-microcks-operation` (the convention the tutorial's upstream files
 * follow):
 * - `URI_PARAMS` (rules: query parameter names): the example named `?name=value[&…]`;
 * - `URI_PARTS` (rules: path parameter names): the example named `/name=value[/…]`, or named by
 *   the bare value; a value with no example answers the operation's 404 example when it has one;
 * - `SCRIPT`: the name in the rules' `return 'name'` (no script is run);
 * - `FALLBACK`: its rules are JSON `{dispatcher, dispatcherRules, fallback}`: the inner dispatcher,
 *   else the `fallback` example.
 * Otherwise (no dispatcher, no match): the fallback, else the first example. String values may use
 * Microcks' `{{ request.body/json/pointer }}` to echo a field of the JSON request body.
 * Only local `$ref`s (`#/…`) are followed.
 */

export type OpenApiDocument = Record<string, unknown>;

/** What a request looks like to the example chooser. */
export interface ExampleRequest {
  readonly query: URLSearchParams;
  /** The parsed JSON request body; undefined when there is none or it is not JSON. */
  readonly json: unknown;
}

/** One operation of the document, ready to answer. */
export interface StandInOperation {
  readonly method: string;
  readonly template: string;
  readonly operationId: string | undefined;
  /** The operation's `security`, or the document's when it declares none. */
  readonly security: readonly Record<string, unknown>[];
  respond(params: ReadonlyMap<string, string>, request: ExampleRequest): ExampleAnswer;
}

export interface ExampleAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface StandInRoute {
  readonly template: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  /** Lower-case method → operation. */
  readonly operations: ReadonlyMap<string, StandInOperation>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Follows local `$ref`s (`#/components/...`) until a node without one. */
export function deref(doc: OpenApiDocument, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isRecord(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith('#/') || hops > 20) throw new Error(`unsupported $ref ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((at, part) => (isRecord(at) ? at[part] : undefined), doc);
  }
  return current;
}

function record(doc: OpenApiDocument, node: unknown): Record<string, unknown> {
  const value = deref(doc, node);
  return isRecord(value) ? value : {};
}

/** Every operation of `paths`, literal templates before templated ones. */
export function compileRoutes(doc: OpenApiDocument): StandInRoute[] {
  const globalSecurity = Array.isArray(doc.security) ? doc.security : [];
  const routes = Object.entries(record(doc, doc.paths)).map(([template, item]) => {
    const names: string[] = [];
    const source = template
      .split('/')
      .map((segment) =>
        segment.replace(/\{([^}]+)\}|[^{]+/g, (part, name: string | undefined) => {
          if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          names.push(name);
          return '([^/]+)';
        }),
      )
      .join('/');
    const operations = new Map<string, StandInOperation>();
    for (const [method, raw] of Object.entries(record(doc, item))) {
      if (!METHODS.includes(method)) continue;
      const op = record(doc, raw);
      const security = Array.isArray(op.security) ? op.security : globalSecurity;
      operations.set(method, {
        method,
        template,
        operationId: typeof op.operationId === 'string' ? op.operationId : undefined,
        security: security.filter(isRecord),
        respond: (params, request) => respond(doc, op, params, request),
      });
    }
    return { template, pattern: new RegExp(`^${source}/?$`), names, operations };
  });
  return routes.sort((a, b) => a.names.length - b.names.length);
}

/** The matched route and its decoded path parameters; undefined when no path matches. */
export function matchRoute(
  routes: readonly StandInRoute[],
  pathname: string,
): { route: StandInRoute; params: Map<string, string> } | undefined {
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (match === null) continue;
    const params = new Map<string, string>();
    route.names.forEach((name, i) => params.set(name, decodeURIComponent(match[i + 1] ?? '')));
    return { route, params };
  }
  return undefined;
}

interface Dispatch {
  readonly dispatcher: string;
  readonly rules: string;
  readonly fallback: string | undefined;
}

function dispatchOf(op: Record<string, unknown>): Dispatch {
  const x = isRecord(op['x-microcks-operation']) ? op['x-microcks-operation'] : {};
  const dispatcher = typeof x.dispatcher === 'string' ? x.dispatcher : '';
  const rules = typeof x.dispatcherRules === 'string' ? x.dispatcherRules : '';
  if (dispatcher !== 'FALLBACK') return { dispatcher, rules, fallback: undefined };
  const inner = JSON.parse(rules) as Record<string, unknown>;
  return {
    dispatcher: String(inner.dispatcher ?? ''),
    rules: String(inner.dispatcherRules ?? ''),
    fallback: typeof inner.fallback === 'string' ? inner.fallback : undefined,
  };
}

/** Rule names of `a && b` (Microcks' separator), in order. */
const ruleNames = (rules: string): string[] =>
  rules
    .split('&&')
    .map((name) => name.trim())
    .filter((name) => name !== '');

/** Candidate example names for this request, best first. */
function wantedNames(
  dispatch: Dispatch,
  params: ReadonlyMap<string, string>,
  request: ExampleRequest,
): string[] {
  const names = ruleNames(dispatch.rules);
  switch (dispatch.dispatcher) {
    case 'URI_PARAMS': {
      const present = names.filter((n) => request.query.has(n));
      if (present.length === 0) return [];
      return [`?${present.map((n) => `${n}=${request.query.get(n) ?? ''}`).join('&')}`];
    }
    case 'URI_PARTS': {
      const values = names.map((n) => [n, params.get(n) ?? ''] as const);
      return [values.map(([n, v]) => `/${n}=${v}`).join(''), values.map(([, v]) => v).join('/')];
    }
    case 'SCRIPT': {
      const returned = /return\s+['"]([^'"]+)['"]/.exec(dispatch.rules)?.[1];
      return returned === undefined ? [] : [returned];
    }
    default:
      return [];
  }
}

/** The example of the operation's first 2xx response chosen for this request. */
function respond(
  doc: OpenApiDocument,
  op: Record<string, unknown>,
  params: ReadonlyMap<string, string>,
  request: ExampleRequest,
): ExampleAnswer {
  const responses = record(doc, op.responses);
  const codes = Object.keys(responses).sort();
  const success = codes.find((code) => /^2\d\d$/.test(code));
  if (success === undefined) throw new Error(`operation ${String(op.operationId)} has no 2xx`);
  const dispatch = dispatchOf(op);
  const wanted = wantedNames(dispatch, params, request);
  const ok = examplesOf(doc, responses[success]);
  const hit = wanted.find((name) => ok.examples.has(name));
  if (hit !== undefined) return answer(Number(success), ok, hit, request);
  if (dispatch.dispatcher === 'URI_PARTS' && '404' in responses) {
    const missing = examplesOf(doc, responses['404']);
    const first = missing.examples.keys().next();
    if (!first.done) return answer(404, missing, first.value, request);
  }
  const fallback = dispatch.fallback !== undefined && ok.examples.has(dispatch.fallback);
  const name = fallback ? dispatch.fallback : ok.examples.keys().next().value;
  if (name === undefined) throw new Error(`operation ${String(op.operationId)} has no example`);
  return answer(Number(success), ok, name, request);
}

interface ResponseExamples {
  readonly contentType: string;
  readonly examples: ReadonlyMap<string, unknown>;
}

/** The examples of a response's first media type (a lone `example` is named `example`). */
function examplesOf(doc: OpenApiDocument, response: unknown): ResponseExamples {
  const content = Object.entries(record(doc, record(doc, response).content));
  const [contentType, rawMedia] = content[0] ?? ['application/json', {}];
  const media = record(doc, rawMedia);
  const examples = new Map<string, unknown>();
  for (const [name, example] of Object.entries(record(doc, media.examples)))
    examples.set(name, record(doc, example).value);
  if (examples.size === 0 && 'example' in media) examples.set('example', media.example);
  return { contentType, examples };
}

function answer(
  status: number,
  response: ResponseExamples,
  name: string,
  request: ExampleRequest,
): ExampleAnswer {
  const value = echo(response.examples.get(name), request.json);
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  return { status, contentType: response.contentType, body };
}

const REQUEST_BODY = /\{\{\s*request\.body(\/[^}\s]*)?\s*\}\}/g;

/** Renders Microcks' `{{ request.body/pointer }}` in every string of an example value. */
function echo(value: unknown, json: unknown): unknown {
  if (typeof value === 'string')
    return value.replace(REQUEST_BODY, (_, pointer: string | undefined) => {
      const found = (pointer ?? '')
        .split('/')
        .slice(1)
        .reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), json);
      return found === undefined ? '' : typeof found === 'string' ? found : JSON.stringify(found);
    });
  if (Array.isArray(value)) return value.map((item) => echo(item, json));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, echo(v, json)]));
  return value;
}
