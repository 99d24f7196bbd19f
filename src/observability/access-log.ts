/**
 * The access log (issue 11): one line per request answered by a REST operation or an MCP tool
 * call, when `naftiko run --access-log` turns it on — method, route template or tool, status,
 * duration, request id, trace id when traced, and each upstream exchange (namespace.operation,
 * status or error code, duration). Never a query value, a header or a body: those may carry
 * secrets. Off by default: then `accessLog()` is undefined and nothing is collected.
 * A leaf: imports no layer.
 */
import type { ExchangeRecord } from './request-context.js';

export interface AccessEntry {
  readonly adapterType: string;
  readonly adapter: string;
  readonly method: string;
  /** Route template or `tools/call <tool>`; never the raw path. */
  readonly route: string;
  readonly operation: string;
  readonly status: number | string;
  readonly durationMs: number;
  readonly requestId: string;
  readonly traceId: string | undefined;
  readonly upstream: readonly ExchangeRecord[];
}

export type AccessSink = (entry: AccessEntry) => void;

let sink: AccessSink | undefined;

/** The access log in force, or undefined when it is off. */
export function accessLog(): AccessSink | undefined {
  return sink;
}

export function enableAccessLog(write: AccessSink): void {
  sink = write;
}

export function disableAccessLog(): void {
  sink = undefined;
}
