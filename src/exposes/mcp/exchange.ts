/**
 * The answer to one MCP POST on the raw `ServerResponse` (Streamable HTTP, both eras): plain
 * JSON with a `Content-Length` by default — the cheapest answer, and all a request needs that
 * sends nothing before its result — upgraded to a `text/event-stream` scoped to the request on
 * the first notification about it (progress, log messages), when the client accepts one. The
 * stream ends after the last response. A client that closes the connection first aborts the
 * exchange's signal (2026-07-28: closing the response stream is cancellation).
 */
import type { ServerResponse } from 'node:http';
import { notification } from './jsonrpc.js';
import type { Params } from './jsonrpc.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Proxies such as nginx buffer responses unless told not to.
  'x-accel-buffering': 'no',
} as const;

export function sseFrame(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/**
 * One JSON answer. The body goes out as bytes: a string would be joined to the head by Node
 * (another copy of it on the heap); bytes come from Buffer's pool and are written beside it.
 */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(
    status,
    headers === undefined
      ? { 'content-type': 'application/json', 'content-length': bytes.length }
      : { ...headers, 'content-type': 'application/json', 'content-length': bytes.length },
  );
  res.end(bytes);
}

export class Exchange {
  readonly #res: ServerResponse;
  readonly #sse: boolean;
  readonly #headers: Record<string, string>;
  #streaming = false;
  #done = false;
  readonly #controller = new AbortController();

  /**
   * `sse`: the client accepts `text/event-stream` (else notifications are dropped).
   * `headers`: sent with the answer whatever its form (e.g. `mcp-session-id`).
   */
  constructor(res: ServerResponse, sse: boolean, headers: Record<string, string> = {}) {
    this.#res = res;
    this.#sse = sse;
    this.#headers = headers;
    res.on('close', () => {
      if (!this.#done) this.#controller.abort();
    });
  }

  /** Cancels the request (`notifications/cancelled`): its work stops, its answer still goes. */
  abort(): void {
    this.#controller.abort();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether notifications about the request can reach the client. */
  get canNotify(): boolean {
    return this.#sse && !this.#done;
  }

  /** Sends a notification about the request (switching to SSE if needed). */
  notify = (method: string, params: Params): void => {
    if (!this.#sse || this.#done || this.#res.destroyed) return;
    if (!this.#streaming) {
      this.#streaming = true;
      this.#res.writeHead(200, { ...SSE_HEADERS, ...this.#headers });
    }
    this.#res.write(sseFrame(notification(method, params)));
  };

  /** Ends the exchange with its response (one message, or a batch's array). */
  reply(status: number, body: unknown): void {
    if (this.#done) return;
    this.#done = true;
    const res = this.#res;
    if (res.destroyed) return;
    if (this.#streaming) {
      if (Array.isArray(body)) for (const message of body) res.write(sseFrame(message));
      else res.write(sseFrame(body));
      res.end();
      return;
    }
    writeJson(res, status, body, this.#headers);
  }

  /**
   * Ends the exchange with no answer: 202 (notifications and responses only, or every request
   * cancelled), or the end of the stream if notifications went first.
   */
  accepted(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#res.destroyed) return;
    if (this.#streaming) this.#res.end();
    else this.#res.writeHead(202, this.#headers).end();
  }
}

/**
 * A standing event stream (a 2025-11-25 session's GET stream, a `subscriptions/listen`
 * response): notifications that belong to no request. A client that stops reading costs
 * nothing unbounded — while the socket's buffer is full, keyed notifications (a resource's
 * update) are coalesced, one per key, and written on `drain`; others (keep-alive comments) are
 * dropped.
 */
export class StandingStream {
  readonly #res: ServerResponse;
  readonly #pending = new Map<string, string>();

  constructor(res: ServerResponse) {
    this.#res = res;
    res.on('drain', () => this.#flush());
  }

  /** Writes a message (`key`: coalesced with the same key's while the client lags). */
  send(message: unknown, key?: string): void {
    this.#write(sseFrame(message), key);
  }

  /** A keep-alive comment line, skipped while the client lags. */
  ping(): void {
    this.#write(':\n\n', undefined);
  }

  #write(frame: string, key: string | undefined): void {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return;
    if (res.writableNeedDrain) {
      if (key !== undefined) this.#pending.set(key, frame);
      return;
    }
    res.write(frame);
  }

  #flush(): void {
    for (const [key, frame] of this.#pending) {
      if (this.#res.writableNeedDrain) return;
      this.#pending.delete(key);
      if (!this.#res.destroyed) this.#res.write(frame);
    }
  }
}
