/**
 * One upstream exchange through the origin's pool: send, read the whole body (at most the
 * origin's `maxBodyBytes`: past it, 502 UPSTREAM_TOO_LARGE while reading), answer a Digest
 * challenge once when the operation uses digest authentication (RFC 7616 §3.3), follow
 * same-origin redirects, and retry and break the circuit as resilience.ts says. Failures are
 * classified by transport-error.ts.
 *
 * Redirects (301, 302, 303, 307, 308 with a `Location`): followed when the target has the same
 * origin (credentials stay on it), at most 5 times; 303 — and 301/302 after a POST — become a GET
 * without body, 307/308 keep method and body (RFC 9110 §15.4). A redirect to another origin is
 * not followed: 502 UPSTREAM_REDIRECT, naming neither URL. So the caller never receives a
 * redirect into the upstream.
 *
 * A tool call reporting progress (its context's `events`, MCP only) is told the bytes of each
 * response body as they arrive, chunk by chunk, with the announced `content-length`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher, FormData, Pool } from 'undici';
import { NaftikoError } from '../../errors.js';
import { metrics } from '../../observability/metrics.js';
import type { Observer } from '../../observability/metrics.js';
import type { CallEvents, RequestContext } from '../../observability/request-context.js';
import type { Credentials } from './auth.js';
import { Deadline } from './deadline.js';
import { answerDigest } from './digest-auth.js';
import type { OriginClient } from './pools.js';
import { isIdempotent, isRetryableStatus, retryDelay } from './resilience.js';
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
  /** The whole body; empty when it is streamed. */
  readonly raw: Buffer;
  /** The body as it arrives (a 2xx answer of an exchange sent with `stream`). */
  readonly stream?: Readable | undefined;
}

export interface SendOptions {
  readonly totalTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly digest: (() => Credentials) | undefined;
  /** Counts and times the exchange (metrics on). */
  readonly observer?: Observer | undefined;
  /**
   * The inbound request's context: its id goes upstream as `X-Request-Id`; with its span (tracing
   * on) a client span is recorded and the trace context sent; with its exchange log (access log
   * on) the exchange is recorded.
   */
  readonly context?: RequestContext | undefined;
  /**
   * Hand a 2xx body of unknown length or over 1 MiB over as a stream once the headers are in,
   * instead of collecting it (an identity pass-through: nothing needs the value). The body limit still applies while it
   * flows: past it, the stream fails (and so does the caller's response, never a truncated
   * success). Other statuses are collected as usual.
   */
  readonly stream?: boolean | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export function sendRequest(
  upstream: OriginClient,
  request: OutgoingRequest,
  options: SendOptions,
  ctx: ExchangeContext,
): Promise<ReceivedResponse> {
  // Metrics, tracing and the access log off (the default): no clock reading, no extra promise.
  const { observer, context } = options;
  // A header the capability itself sets (a declared X-Request-Id parameter) wins.
  if (context !== undefined) request.headers['x-request-id'] ??= context.requestId;
  if (
    observer === undefined &&
    context?.span === undefined &&
    context?.exchanges === undefined &&
    context?.events === undefined
  ) {
    return send(upstream, request, options, ctx);
  }
  const url = context?.events !== undefined ? withoutQuery(upstream.origin, request.path) : '';
  return instrumented(observer, context, ctx, request.headers, url, () =>
    send(upstream, request, options, ctx),
  );
}

/** Origin and path of an exchange, never its query string (it may carry a credential). */
function withoutQuery(origin: string, path: string): string {
  const at = path.indexOf('?');
  return `${origin}${at === -1 ? path : path.slice(0, at)}`;
}

async function send(
  upstream: OriginClient,
  request: OutgoingRequest,
  options: SendOptions,
  ctx: ExchangeContext,
): Promise<ReceivedResponse> {
  const deadline = new Deadline(options.totalTimeoutMs, options.signal);
  const retries = isIdempotent(request.method) ? upstream.maxRetries : 0;
  const { breaker } = upstream;
  upstream.budget.request();
  try {
    for (let attempt = 1; ; attempt++) {
      breaker.admit(ctx.label);
      let response: ReceivedResponse;
      try {
        response = await follow(upstream, request, options, deadline, ctx);
      } catch (err) {
        const failure = transportError(err, deadline, ctx);
        const code = failure instanceof NaftikoError ? failure.code : undefined;
        if (code === 'UPSTREAM_UNREACHABLE' || code === 'UPSTREAM_TIMEOUT') breaker.failure();
        else breaker.release();
        if (
          attempt <= retries &&
          retryableFailure(err, failure, deadline) &&
          (await backoff(upstream, attempt, undefined, deadline, ctx))
        ) {
          continue;
        }
        throw failure;
      }
      if (response.status >= 500) breaker.failure();
      else breaker.success();
      if (
        attempt <= retries &&
        isRetryableStatus(response.status) &&
        (await backoff(upstream, attempt, response.headers['retry-after'], deadline, ctx))
      ) {
        continue;
      }
      return response;
    }
  } finally {
    deadline.dispose();
  }
}

/**
 * A failure worth another attempt: the connection could not be made (refused, reset, connect
 * timeout) or was lost before any response byte — never once a response had started, never
 * after the deadline or the caller's abort.
 */
function retryableFailure(err: unknown, failure: unknown, deadline: Deadline): boolean {
  if (deadline.callerAbort !== undefined || deadline.timedOut) return false;
  if (err instanceof Error && RESPONSE_STARTED.has(err)) return false;
  if (!(failure instanceof NaftikoError)) return false;
  if (failure.code === 'UPSTREAM_UNREACHABLE') return true;
  return (
    failure.code === 'UPSTREAM_TIMEOUT' && failure.details?.['cause'] === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

/** Waits before retry `attempt`, if the budget and the deadline allow it (false: no retry). */
async function backoff(
  upstream: OriginClient,
  attempt: number,
  retryAfter: string | undefined,
  deadline: Deadline,
  ctx: ExchangeContext,
): Promise<boolean> {
  // A circuit that opened meanwhile ends the retries: this request's own outcome stands.
  if (upstream.breaker.state !== 'closed') return false;
  const delay = retryDelay(attempt, retryAfter);
  if (delay >= deadline.remainingMs()) return false;
  if (!upstream.budget.tryRetry()) return false;
  const recorder = metrics();
  if (recorder.enabled) recorder.recordRetry(ctx.label);
  return deadline.sleep(delay);
}

/** One exchange and the same-origin redirects it leads to. */
async function follow(
  upstream: OriginClient,
  request: OutgoingRequest,
  options: SendOptions,
  deadline: Deadline,
  ctx: ExchangeContext,
): Promise<ReceivedResponse> {
  let current = request;
  for (let hop = 0; ; hop++) {
    const response = await exchangeAnswering(upstream, current, options, deadline, ctx);
    const location = response.headers['location'];
    if (!REDIRECTS.has(response.status) || location === undefined) return response;
    const where = `${ctx.label}: the upstream`;
    let target: URL;
    try {
      target = new URL(location, `${upstream.origin}${current.path}`);
    } catch {
      throw new NaftikoError('UPSTREAM_REDIRECT', `${where} redirected to an unreadable location`);
    }
    if (target.origin !== upstream.origin) {
      throw new NaftikoError(
        'UPSTREAM_REDIRECT',
        `${where} redirected to another origin; cross-origin redirects are not followed`,
      );
    }
    if (hop >= MAX_REDIRECTS) {
      throw new NaftikoError(
        'UPSTREAM_REDIRECT',
        `${where} redirected more than ${MAX_REDIRECTS} times`,
      );
    }
    current = redirected(current, response.status, `${target.pathname}${target.search}`);
  }
}

/** The request a redirect asks for (RFC 9110 §15.4; fetch's rules for 301/302 after a POST). */
function redirected(request: OutgoingRequest, status: number, path: string): OutgoingRequest {
  const toGet =
    (status === 303 && request.method !== 'HEAD') ||
    ((status === 301 || status === 302) && request.method === 'POST');
  if (!toGet) return { ...request, path };
  const headers: Record<string, string> = {};
  for (const name in request.headers) {
    if (name !== 'content-type' && name !== 'content-length') {
      headers[name] = request.headers[name] as string;
    }
  }
  return { method: 'GET', path, headers, body: undefined };
}

/** One exchange, answering a Digest challenge once when the operation uses digest. */
async function exchangeAnswering(
  upstream: OriginClient,
  request: OutgoingRequest,
  options: SendOptions,
  deadline: Deadline,
  ctx: ExchangeContext,
): Promise<ReceivedResponse> {
  const stream = options.stream === true;
  // Bytes as they arrive, for a tool call that reports progress (MCP).
  const events = options.context?.events?.bytes !== undefined ? options.context.events : undefined;
  const first = await exchange(upstream, request, deadline, ctx, stream, events);
  if (first.status !== 401 || options.digest === undefined) return first;
  const answer = answerDigest(
    first.headers['www-authenticate'],
    options.digest(),
    request.method,
    request.path,
  );
  if (answer === undefined) return first;
  const headers = { ...request.headers, authorization: answer };
  return exchange(upstream, { ...request, headers }, deadline, ctx, stream, events);
}

/** Errors raised once a response had started (not retryable: the request may have had effects). */
const RESPONSE_STARTED = new WeakSet<Error>();

/**
 * One request through the pool's dispatcher, the body collected into one buffer. This is what
 * `pool.request()` does minus its per-request AbortSignal wiring and response stream, which
 * profiling showed to be most of the engine's own cost on a small upstream answer.
 */
function exchange(
  upstream: OriginClient,
  request: OutgoingRequest,
  deadline: Deadline,
  ctx: ExchangeContext,
  stream: boolean,
  events: CallEvents | undefined,
): Promise<ReceivedResponse> {
  return new Promise((resolve, reject) => {
    const handler = new CollectingHandler(
      resolve,
      reject,
      upstream.maxBodyBytes,
      ctx,
      stream,
      events,
    );
    deadline.watch((reason) => handler.abort(reason));
    (upstream.pool as Pool).dispatch(
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

const EMPTY = Buffer.alloc(0);

/** Pass-through bodies announced up to this size are collected, not streamed (1 MiB). */
const STREAM_FROM = 1024 * 1024;

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

  readonly #maxBytes: number;
  readonly #ctx: ExchangeContext;
  readonly #streaming: boolean;
  /** The body handed over as it arrives (streaming mode, 2xx). */
  #stream: Readable | undefined;
  /** Told the bytes received after each chunk (a tool call reporting progress), else undefined. */
  readonly #events: CallEvents | undefined;
  /** The announced length, for `#events` only. */
  #total: number | undefined;

  constructor(
    resolve: (response: ReceivedResponse) => void,
    reject: (err: unknown) => void,
    maxBytes: number,
    ctx: ExchangeContext,
    streaming = false,
    events?: CallEvents,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#maxBytes = maxBytes;
    this.#ctx = ctx;
    this.#streaming = streaming;
    this.#events = events;
  }

  /** Stops reading a body past the limit: 502 UPSTREAM_TOO_LARGE. */
  #tooLarge(): void {
    const { label } = this.#ctx;
    this.abort(
      new NaftikoError(
        'UPSTREAM_TOO_LARGE',
        `${label}: the upstream answered more than ${this.#maxBytes} bytes`,
        { details: { operation: label, limitBytes: this.#maxBytes } },
      ),
    );
  }

  /** Fails the exchange now; the request is cancelled as soon as the dispatcher has started it. */
  abort(reason: unknown): void {
    const stream = this.#stream;
    if (stream !== undefined) {
      // Streaming: the response is the caller's already; failing its stream aborts it.
      if (!stream.destroyed) stream.destroy(reason as Error);
      this.#controller?.abort(reason as Error);
      return;
    }
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
    if (this.#events !== undefined && Number.isSafeInteger(length)) this.#total = length;
    if (Number.isSafeInteger(length) && length > this.#maxBytes) {
      this.#tooLarge();
      return;
    }
    // Streamed: a 2xx body of unknown length, or longer than STREAM_FROM. A shorter announced
    // body is collected into one preallocated buffer, which measured cheaper (CPU and peak RSS)
    // than streaming it, whose chunks keep the socket's read buffers alive until written.
    if (
      this.#streaming &&
      statusCode >= 200 &&
      statusCode < 300 &&
      !(Number.isSafeInteger(length) && length <= STREAM_FROM)
    ) {
      const controller = this.#controller;
      let ended = false;
      this.#stream = new Readable({
        read: () => controller?.resume(),
        // The caller went away (or the stream failed): stop reading the upstream's body.
        destroy: (err, callback) => {
          if (!ended) controller?.abort(err ?? new Error('the caller closed the response'));
          callback(err);
        },
      });
      this.#stream.once('end', () => (ended = true));
      this.#settled = true;
      this.#resolve({
        status: statusCode,
        headers: this.#headers,
        raw: EMPTY,
        stream: this.#stream,
      });
      return;
    }
    if (Number.isSafeInteger(length) && length > 0 && length <= PREALLOCATE_MAX) {
      this.#body = Buffer.allocUnsafe(length);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const stream = this.#stream;
    if (stream !== undefined) {
      if (stream.destroyed) return;
      this.#received += chunk.length;
      if (this.#received > this.#maxBytes) {
        this.#tooLarge();
        return;
      }
      this.#events?.bytes?.(this.#received, this.#total);
      if (!stream.push(chunk)) controller.pause();
      return;
    }
    if (this.#settled) return;
    if (this.#received + chunk.length > this.#maxBytes) {
      this.#tooLarge();
      return;
    }
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
    this.#events?.bytes?.(this.#received, this.#total);
  }

  onResponseEnd(): void {
    if (this.#stream !== undefined) {
      if (!this.#stream.destroyed) this.#stream.push(null);
      return;
    }
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
    if (this.#stream !== undefined) {
      if (!this.#stream.destroyed) this.#stream.destroy(error);
      return;
    }
    if (this.#settled) return;
    this.#settled = true;
    if (this.#status !== 0 && error instanceof Error) RESPONSE_STARTED.add(error);
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
