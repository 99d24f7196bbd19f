/**
 * One consumed operation, compiled once (effective parameters, URL, body, headers) and invoked
 * per request: resolve parameter values, refuse missing values before any network call
 * (INPUT_INVALID naming every one, contract §3/§5), place parameters, render the body, add
 * credentials, send through the origin's pool and decode the answer. The upstream status is
 * returned as it is.
 */
import type { Readable } from 'node:stream';
import { NaftikoError } from '../../errors.js';
import { compileTemplate } from '../../spec/template.js';
import type { Lookup } from '../../spec/template.js';
import type {
  ConsumedHttpOperation,
  ConsumedHttpResource,
  ConsumedOutputParameter,
  ConsumesHttp,
  HttpMethod,
} from '../../spec/types.js';
import type { RequestContext } from '../../observability/request-context.js';
import type { OutboundAuth } from './auth.js';
import { compileResponseDecoder } from './decode-response.js';
import { defaultHeaders } from './default-headers.js';
import { effectiveParameters, type ConsumedParameter } from './effective-parameters.js';
import { resolveParameters } from './parameter-values.js';
import type { PoolRegistry } from './pools.js';
import { compileBody } from './request-body.js';
import { compileUrl } from './request-url.js';
import { sendRequest } from './send-request.js';
import { placeParameters } from './serialize-parameters.js';
import { upstreamObserver } from './upstream-metrics.js';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  contentType: string | undefined;
  /**
   * Decoded per outputRawFormat (JSON value); for status >= 400 an undecodable body is kept as
   * its text; undefined for an invocation with `raw: true` (the caller only needs the bytes).
   */
  body: unknown;
  /** raw body bytes (empty when the body is streamed) */
  raw: Buffer;
  /** The body as it arrives: a 2xx answer of an invocation with `stream: true`. */
  stream?: Readable | undefined;
}

export interface InvokeOptions {
  /** Skip decoding: the response passes through as bytes (no output mapping needs its value). */
  readonly raw?: boolean;
  /**
   * With `raw`: a 2xx body is handed over as a stream once its headers are in (send-request.ts),
   * for a caller that passes it through (a REST identity output).
   */
  readonly stream?: boolean;
  /** A JSON body keeps integers beyond 2^53 exactly, as bigints (it feeds an output mapping). */
  readonly losslessIntegers?: boolean;
  /** The request's id, span and exchange log (exposes/instrument.ts), when wanted. */
  readonly context?: RequestContext | undefined;
}

export interface ConsumedOperation {
  readonly namespace: string;
  readonly name: string;
  readonly method: HttpMethod;
  /** Effective parameters: consumes-level, then resource-level, then operation-level (a later (name,in) replaces an earlier one). */
  readonly parameters: readonly ConsumedParameter[];
  /** Path placeholders that no parameter declares: filled from the request scope by name. */
  readonly placeholders: readonly string[];
  /**
   * The operation's own `outputParameters` (named JSONPath extractions), empty when none: the
   * engine applies them to step outputs (engine/consumed-outputs.ts), never here.
   */
  readonly outputParameters: readonly ConsumedOutputParameter[];
  /** Builds and sends the request. `args`: caller values by consumed parameter name. `scope`: resolves template names for this request. */
  invoke(
    args: Readonly<Record<string, unknown>>,
    scope: Lookup,
    signal?: AbortSignal,
    options?: InvokeOptions,
  ): Promise<UpstreamResponse>;
}

/** What every operation of a consumes block shares. */
export interface ConsumerContext {
  readonly namespace: string;
  readonly spec: ConsumesHttp;
  readonly baseUri: string;
  readonly variables: Lookup;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly totalTimeoutMs: number;
  readonly auth: OutboundAuth;
  readonly pools: PoolRegistry;
  /** The folder of the file that declares the block (relative `outputSchema` files). */
  readonly baseDir: string;
}

export function compileOperation(
  ctx: ConsumerContext,
  resource: ConsumedHttpResource,
  op: ConsumedHttpOperation,
): ConsumedOperation {
  const label = `${ctx.namespace}.${op.name}`;
  const params = effectiveParameters(
    [ctx.spec.inputParameters, resource.inputParameters, op.inputParameters],
    ctx.variables,
  );
  const url = compileUrl(ctx.baseUri, resource.path, label);
  const renderBody = compileBody(op.body, params);
  const baseHeaders = defaultHeaders(op.outputRawFormat);
  const decode = compileResponseDecoder(op, ctx.baseDir);
  const { variables, env, auth, pools } = ctx;
  const observer = upstreamObserver(ctx.namespace, op.name);

  return {
    namespace: ctx.namespace,
    name: op.name,
    method: op.method,
    parameters: params.map((p) => p.spec),
    outputParameters: op.outputParameters ?? [],
    placeholders: compileTemplate(resource.path, { singleBrace: true }).names.filter(
      (name) => !params.some((p) => p.spec.name === name),
    ),
    async invoke(args, scope, signal, options) {
      const resolved = resolveParameters(params, { args, scope, variables, env });
      const target = url.render(variables, resolved.lookup);
      const missing = new Set(resolved.missing);
      if ('missing' in target) target.missing.forEach((name) => missing.add(name));
      if (missing.size > 0 || 'missing' in target) {
        const names = [...missing];
        throw new NaftikoError('INPUT_INVALID', `${label}: missing value for ${names.join(', ')}`, {
          details: { missing: names },
        });
      }
      const placed = placeParameters(params, resolved.values, label);
      // Copied property by property: an object spread here gave every request's headers a
      // hidden class of its own, allocated in V8's old space, which made old space grow by
      // ~0.25 MB per thousand requests until the next full GC (a heap profile found it).
      const headers: Record<string, string> = {};
      for (const name in baseHeaders) headers[name] = baseHeaders[name] as string;
      for (const name in placed.headers) headers[name] = placed.headers[name] as string;
      const body = renderBody(resolved.lookup, resolved.values);
      if (body?.contentType !== undefined) headers['content-type'] ??= body.contentType;
      const query = [...target.query, ...placed.query];
      auth.apply(headers, query);
      const received = await sendRequest(
        pools.get(target.origin, label),
        {
          method: op.method,
          path: query.length === 0 ? target.path : `${target.path}?${query.join('&')}`,
          headers,
          body: body?.body,
        },
        {
          totalTimeoutMs: ctx.totalTimeoutMs,
          signal,
          digest: auth.digest,
          observer: observer(),
          context: options?.context,
          stream: options?.raw === true && options.stream === true,
        },
        { label, method: op.method, target: `${target.host}${url.displayPath}` },
      );
      const contentType = received.headers['content-type'];
      return {
        status: received.status,
        headers: received.headers,
        contentType,
        body: options?.raw
          ? undefined
          : await decode(
              received.status,
              received.raw,
              contentType,
              // Never the upstream's address: the message may reach the caller.
              `${label}: the upstream's answer to ${op.method}`,
              options?.losslessIntegers,
            ),
        raw: received.raw,
        ...(received.stream !== undefined ? { stream: received.stream } : {}),
      };
    },
  };
}
