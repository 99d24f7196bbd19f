/**
 * `forward` resources (contract §7): every method and sub-path under the resource path is
 * proxied to the target consumes namespace's base URI, keeping the query string and copying only
 * the `trustedHeaders` of the request (credentials come from the consumes block, not the caller).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NaftikoError } from '../../errors.js';
import type { Runtime } from '../../engine/runtime.js';
import type { ExposedResource } from '../../spec/types.js';
import type { RequestContext } from '../../observability/request-context.js';
import { instrumentRoute } from '../instrument.js';
import type { RoutePath } from './route-path.js';
import { sendUpstream } from './send-result.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export function registerForward(
  app: FastifyInstance,
  resource: ExposedResource,
  route: RoutePath,
  runtime: Runtime,
  fail: (reply: FastifyReply, err: unknown) => FastifyReply,
  adapter: string,
): void {
  const forward = resource.forward;
  if (forward === undefined) return;
  const trusted = (forward.trustedHeaders ?? []).map((h) => h.toLowerCase());
  const base = route.path.replace(/\/$/, '');
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
      const subPath = pathPart.slice(prefixLength(pathPart, base));
      const headers: Record<string, string> = {};
      for (const name of trusted) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const body =
        typeof request.body === 'string'
          ? request.body
          : request.body === undefined
            ? undefined
            : JSON.stringify(request.body);
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
  for (const url of [base || '/', `${base}/*`]) {
    app.route({ method: [...METHODS], url, handler });
  }
}

/** Length of the request path part that matched the resource path (placeholders included). */
function prefixLength(path: string, base: string): number {
  const segments = base.split('/').length;
  return path.split('/').slice(0, segments).join('/').length;
}
