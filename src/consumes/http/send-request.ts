/**
 * One upstream exchange through the origin's pool: send, read the whole body, and answer a
 * Digest challenge once when the operation uses digest authentication (RFC 7616 §3.3). Redirects
 * are not followed: a 3xx is returned as it is, like any status (credentials never go to
 * another origin). Failures are classified by transport-error.ts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher, FormData, Pool } from 'undici';
import type { Observer } from '../../observability/metrics.js';
import type { Span } from '../../observability/tracing.js';
import type { Credentials } from './auth.js';
import { Deadline } from './deadline.js';
import { answerDigest } from './digest-auth.js';
import { transportError, type ExchangeContext } from './transport-error.js';
import { instrumented } from './upstream-metrics.js';

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
  /** Counts and times the exchange (metrics on). */
  readonly observer?: Observer | undefined;
  /** The request's span (tracing on): a client span is recorded and its context sent upstream. */
  readonly span?: Span | undefined;
}

export function sendRequest(
  pool: Pool,
  request: OutgoingRequest,
  options: SendOptions,
  ctx: ExchangeContext,
): Promise<ReceivedResponse> {
  // Metrics and tracing off (the default): no clock reading, no extra promise.
  if (options.observer === undefined && options.span === undefined) {
    return send(pool, request, options, ctx);
  }
  return instrumented(options.observer, options.span, ctx, request.headers, () =>
    send(pool, request, options, ctx),
  );
}

async function send(
  pool: Pool,
  request: OutgoingRequest,
  options: SendOptions,
  ctx: ExchangeContext,
): Promise<ReceivedResponse> {
  const deadline = new Deadline(options.totalTimeoutMs, options.signal);
  try {
    const first = await exchange(pool, request, deadline);
    if (first.status !== 401 || options.digest === undefined) return first;
    const answer = answerDigest(
      first.headers['www-authenticate'],
      options.digest(),
      request.method,
      request.path,
    );
    if (answer === undefined) return first;
    const headers = { ...request.headers, authorization: answer };
    return await exchange(pool, { ...request, headers }, deadline);
  } catch (err) {
    throw transportError(err, deadline, ctx);
  } finally {
    deadline.dispose();
  }
}

/**
 * One request through the pool's dispatcher, the body collected into one buffer. This is what
 * `pool.request()` does minus its per-request AbortSignal wiring and response stream, which
 * profiling showed to be most of the engine's own cost on a small upstream answer.
 */
function exchange(
  pool: Pool,
  request: OutgoingRequest,
  deadline: Deadline,
): Promise<ReceivedResponse> {
  return new Promise((resolve, reject) => {
    const handler = new CollectingHandler(resolve, reject);
    deadline.watch((reason) => handler.abort(reason));
    pool.dispatch(
      {
        method: request.method as 'GET',
        path: request.path,
        headers: request.headers,
        body: request.body ?? null,
      },
      handler,
    );
  });
}

/** Bodies announced up to this size are collected into one buffer allocated up front. */
const PREALLOCATE_MAX = 16 * 1024 * 1024;

class CollectingHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #abortReason: unknown;
  #status = 0;
  #headers: Record<string, string> = {};
  readonly #chunks: Buffer[] = [];
  #body: Buffer | undefined;
  #received = 0;
  readonly #resolve: (response: ReceivedResponse) => void;
  readonly #reject: (err: unknown) => void;

  constructor(resolve: (response: ReceivedResponse) => void, reject: (err: unknown) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Fails the exchange now; the request is cancelled as soon as the dispatcher has started it. */
  abort(reason: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(reason);
    if (this.#controller !== undefined) this.#controller.abort(reason as Error);
    else this.#abortReason = reason;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason as Error);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.#status = statusCode;
    this.#headers = flatten(headers);
    // With a Content-Length, the body is copied into one buffer as it arrives: the socket's read
    // buffers are released at once and there is no final concatenation (half the memory of a
    // large body in flight).
    const length = Number(this.#headers['content-length']);
    if (Number.isSafeInteger(length) && length > 0 && length <= PREALLOCATE_MAX) {
      this.#body = Buffer.allocUnsafe(length);
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const body = this.#body;
    if (body !== undefined && this.#received + chunk.length <= body.length) {
      chunk.copy(body, this.#received);
    } else {
      if (body !== undefined) {
        // More bytes than announced: keep what came, as chunks.
        this.#chunks.push(body.subarray(0, this.#received));
        this.#body = undefined;
      }
      this.#chunks.push(chunk);
    }
    this.#received += chunk.length;
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    const chunks = this.#chunks;
    const raw =
      this.#body !== undefined
        ? this.#body.subarray(0, this.#received)
        : chunks.length === 1
          ? (chunks[0] as Buffer)
          : Buffer.concat(chunks);
    this.#resolve({ status: this.#status, headers: this.#headers, raw });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}

/** Repeated header lines are joined with ", " (RFC 9110 §5.3), in place. */
function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value)) headers[name] = value.join(', ');
    else if (value === undefined) delete headers[name];
  }
  return headers as Record<string, string>;
}
