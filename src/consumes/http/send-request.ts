/**
 * One upstream exchange through the origin's pool: send, read the whole body, and answer a
 * Digest challenge once when the operation uses digest authentication (RFC 7616 §3.3). Redirects
 * are not followed: a 3xx is returned as it is, like any status (credentials never go to
 * another origin). Failures are classified by transport-error.ts.
 */
import type { FormData, Pool } from 'undici';
import type { Credentials } from './auth.js';
import { Deadline } from './deadline.js';
import { answerDigest } from './digest-auth.js';
import { transportError, type ExchangeContext } from './transport-error.js';

export interface OutgoingRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** Lower-case names. */
  readonly headers: Record<string, string>;
  readonly body: string | Buffer | FormData | undefined;
}

export interface ReceivedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly raw: Buffer;
}

export interface SendOptions {
  readonly totalTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly digest: (() => Credentials) | undefined;
}

export async function sendRequest(
  pool: Pool,
  request: OutgoingRequest,
  options: SendOptions,
  ctx: ExchangeContext,
): Promise<ReceivedResponse> {
  const deadline = new Deadline(options.totalTimeoutMs, options.signal);
  try {
    const first = await exchange(pool, request, deadline.signal);
    if (first.status !== 401 || options.digest === undefined) return flatten(first);
    const answer = answerDigest(
      first.headers['www-authenticate'],
      options.digest(),
      request.method,
      request.path,
    );
    if (answer === undefined) return flatten(first);
    const headers = { ...request.headers, authorization: answer };
    return flatten(await exchange(pool, { ...request, headers }, deadline.signal));
  } catch (err) {
    throw transportError(err, deadline, ctx);
  } finally {
    deadline.dispose();
  }
}

interface Exchanged {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
}

async function exchange(
  pool: Pool,
  request: OutgoingRequest,
  signal: AbortSignal,
): Promise<Exchanged> {
  const response = await pool.request({
    method: request.method as 'GET',
    path: request.path,
    headers: request.headers,
    body: request.body ?? null,
    signal,
  });
  const raw = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, raw };
}

/** Repeated header lines are joined with ", " (RFC 9110 §5.3). */
function flatten(response: Exchanged): ReceivedResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.status, headers, raw: response.raw };
}
