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
}

/** A caller's request id is kept when it is short and plain (no spaces, quotes or controls). */
const USABLE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's `X-Request-Id` when usable, else a new one (a UUID). */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && USABLE_ID.test(value) ? value : randomUUID();
}
