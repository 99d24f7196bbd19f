/**
 * A local stand-in for an upstream API described by an OpenAPI 3.x file with examples: the file
 * is read at run time (never copied), served with node:http on 127.0.0.1, port 0, and every
 * operation answers the example its Microcks conventions choose (openapi-examples.ts), with the
 * response's status code and media type (JSON, or the XML string of an `application/xml` example).
 *
 * Security follows `components.securitySchemes` and the document's (or operation's) `security`:
 * http bearer needs `Authorization: Bearer <bearerToken>`, apiKey needs the named header (or
 * query parameter) equal to `apiKey`; a request that meets no requirement gets 401 before any
 * example is chosen (unless `allowAnonymous`, for an API with a public tier). Every request is recorded (refused ones too), so a test can assert what was,
 * or was not, sent upstream.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import yaml from 'js-yaml';
import { compileRoutes, deref, matchRoute } from './openapi-examples.js';
import type { OpenApiDocument, StandInOperation } from './openapi-examples.js';

export interface StandInCredentials {
  /** The token an `http`/`bearer` scheme accepts. */
  readonly bearerToken?: string;
  /** The value an `apiKey` scheme accepts (in its header or query parameter). */
  readonly apiKey?: string;
  /**
   * Also answer a request that meets no security requirement, as an API with a public tier
   * does (the Maritime Registry's text: "Without authentication, returns basic summaries").
   * Requests are still recorded with the headers they carried.
   */
  readonly allowAnonymous?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** Query parameters; a repeated one is an array. */
  readonly query: Record<string, string | string[]>;
  /** Lower-case header names, as node:http gives them. */
  readonly headers: IncomingHttpHeaders;
  /** The raw request body ('' when none). */
  readonly body: string;
  /** The `operationId` that answered; undefined when no operation matched. */
  readonly operationId: string | undefined;
  /** The status code answered, and the media type of the answer. */
  readonly status: number;
  readonly contentType: string;
}

export interface OpenApiStandIn {
  /** `http://127.0.0.1:<port>`, operations served at their `paths` (no server prefix). */
  readonly url: string;
  /** `info.title` of the document. */
  readonly title: string;
  /** Every request received so far, in order (live). */
  readonly requests: RecordedRequest[];
  /** Forgets the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

type Check = (headers: IncomingHttpHeaders, query: URLSearchParams) => boolean;

/** One check per security scheme named by the document; throws for a scheme it cannot play. */
function compileSchemes(doc: OpenApiDocument, creds: StandInCredentials): Map<string, Check> {
  const components = deref(doc, doc.components) as Record<string, unknown> | undefined;
  const schemes = (deref(doc, components?.securitySchemes) ?? {}) as Record<string, unknown>;
  const checks = new Map<string, Check>();
  for (const [name, raw] of Object.entries(schemes)) {
    const scheme = deref(doc, raw) as Record<string, unknown>;
    const needs = (value: string | undefined, what: string): string => {
      if (value === undefined) throw new Error(`scheme ${name} needs a configured ${what}`);
      return value;
    };
    if (scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer') {
      const expected = `Bearer ${needs(creds.bearerToken, 'bearerToken')}`;
      checks.set(name, (headers) => headers.authorization === expected);
    } else if (scheme.type === 'apiKey' && typeof scheme.name === 'string') {
      const key = needs(creds.apiKey, 'apiKey');
      const field = scheme.name;
      if (scheme.in === 'header')
        checks.set(name, (headers) => headers[field.toLowerCase()] === key);
      else if (scheme.in === 'query') checks.set(name, (_, query) => query.get(field) === key);
      else throw new Error(`scheme ${name}: apiKey in ${String(scheme.in)} is not supported`);
    } else {
      throw new Error(`scheme ${name}: ${String(scheme.type)} is not supported by the stand-in`);
    }
  }
  return checks;
}

/** True when one requirement of `security` is met (an empty requirement `{}` always is). */
function authorized(
  op: StandInOperation,
  checks: ReadonlyMap<string, Check>,
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): boolean {
  if (op.security.length === 0) return true;
  return op.security.some((requirement) =>
    Object.keys(requirement).every((name) => checks.get(name)?.(headers, query) === true),
  );
}

function queryRecord(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    out[key] = all.length === 1 ? (all[0] as string) : all;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** Starts the stand-in for the OpenAPI file at `file` (YAML or JSON). */
export async function startOpenApiStandIn(
  file: string,
  credentials: StandInCredentials = {},
): Promise<OpenApiStandIn> {
  const doc = yaml.load(readFileSync(file, 'utf8')) as OpenApiDocument;
  const routes = compileRoutes(doc);
  const checks = compileSchemes(doc, credentials);
  const requests: RecordedRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readBody(req);
    const method = (req.method ?? 'GET').toLowerCase();
    const matched = matchRoute(routes, url.pathname);
    const op = matched?.route.operations.get(method);
    const send = (status: number, contentType: string, text: string, extra = {}): void => {
      requests.push({
        method: method.toUpperCase(),
        path: url.pathname,
        query: queryRecord(url.searchParams),
        headers: req.headers,
        body,
        operationId: op?.operationId,
        status,
        contentType,
      });
      res.writeHead(status, { 'content-type': contentType, ...extra }).end(text);
    };
    const problem = (status: number, error: string, extra = {}): void =>
      send(status, 'application/json', JSON.stringify({ error }), extra);

    if (matched === undefined) return problem(404, 'no such path');
    if (op === undefined) {
      const allow = [...matched.route.operations.keys()].map((m) => m.toUpperCase()).join(', ');
      return problem(405, 'method not allowed', { allow });
    }
    if (!credentials.allowAnonymous && !authorized(op, checks, req.headers, url.searchParams)) {
      return problem(401, 'unauthorized', { 'www-authenticate': 'Bearer realm="stand-in"' });
    }
    const reply = op.respond(matched.params, { query: url.searchParams, json: parseJson(body) });
    send(reply.status, reply.contentType, reply.body);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`stand-in failure: ${String(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const info = deref(doc, doc.info) as Record<string, unknown> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    title: typeof info?.title === 'string' ? info.title : file,
    requests,
    reset: () => void requests.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
