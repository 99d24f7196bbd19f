/**
 * `forward` resources (contract §7): every method and sub-path under the resource path is
 * proxied to the target consumes namespace's base URI, keeping the query string and copying only
 * the `trustedHeaders` of the request, plus `Content-Type` when a body is forwarded (credentials
 * and the consumes block's own valued parameters come from the consumes block, not the caller).
 *
 * A placeholder ending the path (`/wiki/{{path}}` or `/wiki/{path}`) captures the whole rest of
 * the path, several segments included: `/wiki/pages/p-1` goes to `<baseUri>/pages/p-1`. Bodies are
 * forwarded as the bytes received, whatever their content type (an encapsulated context of the
 * adapter reads them as buffers, so JSON is never re-serialised).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NaftikoError } from '../../errors.js';
import type { Runtime } from '../../engine/runtime.js';
import type { ExposedResource } from '../../spec/types.js';
import type { RequestContext } from '../../observability/request-context.js';
import { instrumentRoute } from '../instrument.js';
import { forwardPrefix } from './route-path.js';
import type { RoutePath } from './route-path.js';
import { sendUpstream } from './send-result.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export function registerForward(
  app: FastifyInstance,
  resource: ExposedResource,
  // The resource's own router path; a forward routes under forwardPrefix(resource.path) instead.
  _route: RoutePath,
  runtime: Runtime,
  fail: (reply: FastifyReply, err: unknown) => FastifyReply,
  adapter: string,
): void {
  const forward = resource.forward;
  if (forward === undefined) return;
  const trusted = (forward.trustedHeaders ?? []).map((h) => h.toLowerCase());
  const base = forwardPrefix(resource.path);
  const segments = base.split('/').length;
  const forwarding = async (
    request: FastifyRequest,
    reply: FastifyReply,
    context?: RequestContext,
  ) => {
    try {
      const consumer = runtime.consumer(forward.targetNamespace);
      if (consumer === undefined) {
        throw new NaftikoError(
          'INTERNAL',
          `forward target ${forward.targetNamespace} has no consumer`,
        );
      }
      const [pathPart = '', query] = request.url.split(/\?(.*)/s, 2);
      const subPath = pathPart.slice(pathPart.split('/').slice(0, segments).join('/').length);
      const headers: Record<string, string> = {};
      for (const name of trusted) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const body = Buffer.isBuffer(request.body) ? request.body : undefined;
      const contentType = request.headers['content-type'];
      if (body !== undefined && contentType !== undefined) headers['content-type'] = contentType;
      const response = await consumer.forward(
        {
          method: request.method,
          path: subPath,
          ...(query ? { query } : {}),
          headers,
          ...(body !== undefined ? { body } : {}),
        },
        undefined,
        context,
      );
      return sendUpstream(reply, response, runtime.redact);
    } catch (err) {
      return fail(reply, err);
    }
  };
  const handler = instrumentRoute(forwarding, {
    adapterType: 'rest',
    adapter,
    operation: `forward ${base}/*`,
    method: undefined,
    route: `${base}/*`,
  });
  // Bodies as bytes, any content type: a child context with its own parser (the adapter's
  // hooks, limits and error handler are inherited).
  app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, raw, done) =>
      done(null, (raw as Buffer).length === 0 ? undefined : raw),
    );
    for (const url of [base || '/', `${base}/*`]) {
      child.route({ method: [...METHODS], url, handler });
    }
  });
}
