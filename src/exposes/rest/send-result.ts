/**
 * Replies with an invocation's result: a mapped value as JSON; an upstream answer as it came
 * (status, content type and bytes unchanged), which keeps upstream errors such as a 404 intact
 * (contract §5) and lets unmapped bodies pass through without re-serialising.
 */
import type { FastifyReply } from 'fastify';
import type { InvocationResult } from '../../engine/invocation.js';

const FORWARDED_HEADERS = ['content-type', 'retry-after', 'location'];

export function sendResult(reply: FastifyReply, result: InvocationResult): FastifyReply {
  if (result.kind === 'value') {
    // The upstream's success status is kept (201 Created stays 201); a mock answers 200.
    const status = result.status ?? 200;
    if (status === 204 || status === 304) return reply.code(status).send();
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(result.value ?? null));
  }
  const { response } = result;
  reply.code(response.status);
  for (const name of FORWARDED_HEADERS) {
    const value = response.headers[name];
    if (value !== undefined) reply.header(name, value);
  }
  return reply.send(response.raw);
}
