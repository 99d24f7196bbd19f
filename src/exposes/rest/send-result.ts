/**
 * Replies with an invocation's result: a mapped value as JSON; an upstream answer as it came
 * (status, content type and bytes unchanged), which keeps upstream errors such as a 404 intact
 * (contract §5) and lets unmapped bodies pass through without re-serialising.
 */
import type { FastifyReply } from 'fastify';
import type { UpstreamResponse } from '../../consumes/http/index.js';
import type { InvocationResult } from '../../engine/invocation.js';
import { stringifyJson } from '../../lossless-json.js';

// Never `location`: an upstream's Location points into the upstream (its address, its paths),
// which is not the caller's to see (redirects are followed or refused: send-request.ts).
const FORWARDED_HEADERS = ['content-type', 'retry-after'];

export function sendResult(
  reply: FastifyReply,
  result: InvocationResult,
  redact: (text: string) => string,
): FastifyReply {
  if (result.kind === 'value') {
    // The upstream's success status is kept (201 Created stays 201); a mock answers 200.
    const status = result.status ?? 200;
    if (status === 204 || status === 304) return reply.code(status).send();
    return (
      reply
        .code(status)
        .type('application/json; charset=utf-8')
        // int64 values (bigints from a lossless parse) are written as their digits.
        .send(stringifyJson(result.value ?? null))
    );
  }
  return sendUpstream(reply, result.response, redact);
}

/**
 * An upstream answer as it came: status, the headers a caller needs, bytes. An error body is
 * the one place upstream text reaches a caller verbatim, so a credential it echoes is redacted.
 */
export function sendUpstream(
  reply: FastifyReply,
  response: Pick<UpstreamResponse, 'status' | 'headers' | 'raw' | 'stream'>,
  redact: (text: string) => string,
): FastifyReply {
  reply.code(response.status);
  for (const name of FORWARDED_HEADERS) {
    const value = response.headers[name];
    if (value !== undefined) reply.header(name, value);
  }
  if (response.stream !== undefined) {
    // A 2xx body streamed as it arrives (never an error body: those are redacted, so buffered).
    // Its length is kept; if the upstream fails mid-body, the response is aborted, never ended
    // as a truncated success.
    const length = response.headers['content-length'];
    if (length !== undefined) reply.header('content-length', length);
    return reply.send(response.stream);
  }
  if (response.status >= 400 && response.raw.length > 0) {
    const text = response.raw.toString('utf8');
    const clean = redact(text);
    if (clean !== text) return reply.send(Buffer.from(clean, 'utf8'));
  }
  return reply.send(response.raw);
}
