/**
 * Operations told apart by fixed query values (`/v1/?Action=RunInstances` and
 * `/v1/?Action=DescribeInstances`: one router path, several operations). The router matches the
 * path; this picks the operation whose fixed values all appear in the request's query — the most
 * specific one when several do, a variant without fixed values (a plain path) last.
 *
 * Decision: a request that matches the path but none of the fixed values is a 404 ROUTE_NOT_FOUND
 * naming the expected values. The query is part of what identifies the resource here (the path
 * alone names no operation), so "no such resource" is the honest answer, as for an unknown path;
 * a 400 would say the caller's input to an existing operation is wrong, and there is none.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NaftikoError } from '../../errors.js';

export type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface QueryVariant {
  /** Fixed `name=value` pairs the request's query must carry (empty: matches any query). */
  readonly query: readonly (readonly [string, string])[];
  readonly handler: RouteHandler;
}

/** One handler for the variants that share a router path and method. */
export function dispatchOnQuery(
  variants: readonly QueryVariant[],
  fail: (reply: FastifyReply, err: unknown) => unknown,
): RouteHandler {
  const [only] = variants;
  if (variants.length === 1 && only !== undefined && only.query.length === 0) return only.handler;
  // Most fixed values first, so `?Action=A&Version=2` wins over `?Action=A`.
  const ordered = [...variants].sort((a, b) => b.query.length - a.query.length);
  const expected = ordered
    .filter((v) => v.query.length > 0)
    .map((v) => v.query.map(([k, value]) => `${k}=${value}`).join('&'));
  return async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const chosen = ordered.find((v) => v.query.every(([k, value]) => carries(query[k], value)));
    if (chosen !== undefined) return chosen.handler(request, reply);
    const path = request.url.split('?')[0] ?? '/';
    return fail(
      reply,
      new NaftikoError(
        'ROUTE_NOT_FOUND',
        `no operation at ${path} for this query; expected one of: ${expected.join(', ')}`,
        { details: { expectedQuery: expected } },
      ),
    );
  };
}

function carries(actual: unknown, value: string): boolean {
  return Array.isArray(actual) ? actual.includes(value) : actual === value;
}
