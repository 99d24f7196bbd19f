/**
 * Proxying for REST `forward` resources (contract §7): a request already shaped by the caller
 * (method, sub-path, raw query, the trusted headers, body) is sent to the consumes block's base
 * URI with the block's credentials, through the same pools, timeouts and failure classification
 * as a consumed operation.
 *
 * Decisions: the sub-path is sent as received (already percent-encoded) but a `.` or `..`
 * segment is refused (INPUT_INVALID), so a caller cannot climb above the base path; hop-by-hop
 * headers (RFC 9110 §7.6.1) and Host/Content-Length are dropped; the body is not decoded
 * (`body` is undefined, `raw` has the bytes), the caller streams it back as it is.
 *
 * The consumes block's own `inputParameters` that have a `value` (a header such as an API
 * version, a query key) are applied to every forwarded request, as to any other request of the
 * block (contract §7); they win over a caller's header of the same name. Parameters without a
 * value are the caller's to send (as trusted headers or in the query), so they are not placed.
 */
import { NaftikoError } from '../../errors.js';
import type { OutboundAuth } from './auth.js';
import type { UpstreamResponse } from './consumed-operation.js';
import { defaultHeaders } from './default-headers.js';
import { effectiveParameters } from './effective-parameters.js';
import { resolveParameters } from './parameter-values.js';
import { placeParameters } from './serialize-parameters.js';
import type { ConsumedInputParameter } from '../../spec/types.js';
import type { PoolRegistry } from './pools.js';
import { compileUrl, joinPath } from './request-url.js';
import type { RequestContext } from '../../observability/request-context.js';
import { sendRequest } from './send-request.js';
import { upstreamObserver } from './upstream-metrics.js';
import type { Lookup } from '../../spec/template.js';

export interface ForwardRequest {
  readonly method: string;
  /** The sub-path under the base URI, percent-encoded, e.g. `/ships/42`. */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface ForwardContext {
  readonly namespace: string;
  readonly baseUri: string;
  readonly variables: Lookup;
  readonly totalTimeoutMs: number;
  readonly auth: OutboundAuth;
  readonly pools: PoolRegistry;
  /** The consumes block's own parameters; those with a `value` are sent with every request. */
  readonly spec?: { readonly inputParameters?: readonly ConsumedInputParameter[] };
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

export type Forwarder = (
  request: ForwardRequest,
  signal?: AbortSignal,
  context?: RequestContext,
) => Promise<UpstreamResponse>;

export function compileForward(ctx: ForwardContext): Forwarder {
  const label = `${ctx.namespace} forward`;
  const url = compileUrl(ctx.baseUri, '', label);
  const userAgent = defaultHeaders(undefined)['user-agent'] as string;
  const observer = upstreamObserver(ctx.namespace, 'forward');
  const valued = effectiveParameters([ctx.spec?.inputParameters], ctx.variables).filter(
    (p) => p.value !== undefined && (p.spec.in === 'header' || p.spec.in === 'query'),
  );
  return async (request, signal, context) => {
    const target = url.render(ctx.variables, () => undefined);
    if ('missing' in target) {
      throw new NaftikoError(
        'INPUT_INVALID',
        `${label}: missing value for ${target.missing.join(', ')}`,
        {
          details: { missing: target.missing },
        },
      );
    }
    if (request.path.split('/').some(isDotSegment)) {
      throw new NaftikoError('INPUT_INVALID', `${label}: the path has a "." or ".." segment`);
    }
    // A literal, not a spread of shared defaults: see consumed-operation.ts.
    const headers: Record<string, string> = { 'user-agent': userAgent };
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!DROPPED.has(lower)) headers[lower] = value;
    }
    const query = [...target.query];
    if (request.query !== undefined && request.query !== '') query.push(request.query);
    if (valued.length > 0) {
      const resolved = resolveParameters(valued, {
        args: {},
        scope: () => undefined,
        variables: ctx.variables,
        env: ctx.env ?? process.env,
      });
      const placed = placeParameters(valued, resolved.values, label);
      for (const name in placed.headers) headers[name] = placed.headers[name] as string;
      query.push(...placed.query);
    }
    ctx.auth.apply(headers, query);
    const path =
      request.path === '' || request.path === '/'
        ? target.path
        : joinPath(target.path, request.path);
    const method = request.method.toUpperCase();
    const where = `${target.host}${url.displayPath.replace(/\/$/, '')}/*`;
    const received = await sendRequest(
      ctx.pools.get(target.origin, label),
      {
        method,
        path: query.length === 0 ? path : `${path}?${query.join('&')}`,
        headers,
        body: request.body,
      },
      {
        totalTimeoutMs: ctx.totalTimeoutMs,
        signal,
        digest: ctx.auth.digest,
        observer: observer(),
        context,
        stream: context?.stream === true,
      },
      { label, method, target: where },
    );
    const contentType = received.headers['content-type'];
    return { ...received, contentType, body: undefined };
  };
}

function isDotSegment(segment: string): boolean {
  const decoded = segment.replace(/%2e/gi, '.');
  return decoded === '.' || decoded === '..';
}
