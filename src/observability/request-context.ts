/**
 * What travels with one inbound request down to its upstream calls (issue 11): its request id
 * (`X-Request-Id`: the caller's when it sent a usable one, else generated; returned to the
 * caller and sent upstream), its span when tracing is on, and — when the access log is on — the
 * record of its upstream exchanges for the request's log line. Created by the adapter that
 * received the request (exposes/instrument.ts); undefined when none of it is wanted, so the
 * default path allocates nothing. A leaf: imports no layer.
 */
import { randomUUID } from 'node:crypto';
import type { Span } from './tracing.js';

/**
 * What a tool call wants to hear about while it runs (MCP logging and progress notifications,
 * exposes/mcp/logging.ts and progress.ts). Set only by the MCP adapter, only for a call whose
 * client asked for log messages or progress: REST never sets it, and the consumes layer keeps its
 * uninstrumented path when it is absent. Hooks are called synchronously on the request's path and
 * must not throw.
 */
export interface CallEvents {
  /**
   * An upstream exchange is about to be sent (once per exchange, retries and redirects included).
   * `url`: scheme, host and path as sent, never the query string; it is not redacted here (the
   * consumes layer does not know the bound secrets): the receiver redacts it before it goes
   * anywhere (toolCallEvents does, with the runtime's redaction).
   */
  exchangeStart?(e: { upstream: string; method: string; url: string }): void;
  /** An upstream exchange ended: status, or the stable failure code. */
  exchangeEnd?(e: {
    upstream: string;
    method: string;
    url: string;
    outcome: number | string;
    ms: number;
  }): void;
  /**
   * Bytes of an upstream response body received so far (total = content-length when known),
   * called as each chunk arrives (the consumes layer reads bodies chunk by chunk).
   */
  bytes?(received: number, total: number | undefined): void;
  /** Step `index` (0-based) of `total` of an orchestrated call starts / ended. */
  stepStart?(index: number, total: number, name: string): void;
  stepEnd?(index: number, total: number, name: string): void;
}

/** One upstream exchange of a request, for its access-log line. */
export interface ExchangeRecord {
  /** `namespace.operation` (or `namespace forward`). */
  readonly upstream: string;
  /** The upstream's status, or the stable code of the failure. */
  readonly outcome: number | string;
  readonly ms: number;
}

export interface RequestContext {
  readonly requestId: string;
  readonly span: Span | undefined;
  /** Upstream exchanges, collected only when the access log is on. */
  readonly exchanges: ExchangeRecord[] | undefined;
  /**
   * The caller can take a pass-through body as a stream (REST): an identity output or a forward
   * then streams the upstream's 2xx body instead of buffering it.
   */
  readonly stream?: boolean;
  /** The tool call's log and progress hooks (MCP only, when its client asked for either). */
  readonly events?: CallEvents | undefined;
}

/** A caller's request id is kept when it is short and plain (no spaces, quotes or controls). */
const USABLE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's `X-Request-Id` when usable, else a new one (a UUID). */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && USABLE_ID.test(value) ? value : randomUUID();
}
