/**
 * JSON-RPC 2.0 as MCP uses it (both eras): the shape of one inbound message, the error codes,
 * and the bodies the engine writes. A leaf: no SDK, no I/O.
 *
 * MCP narrows JSON-RPC: ids are strings or numbers (never null), `params` is an object.
 */
export type RpcId = string | number;
export type Params = Record<string, unknown>;

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** Implementation-defined server error (the 2025-11-25 transport's code for HTTP refusals). */
export const SERVER_ERROR = -32000;
/** 2025-11-25: the session id is unknown (HTTP 404). */
export const SESSION_NOT_FOUND = -32001;
/** 2026-07-28: `MCP-Protocol-Version`, `Mcp-Method` or `Mcp-Name` missing or not the body's. */
export const HEADER_MISMATCH = -32020;
/** 2026-07-28: the request needs a client capability it did not declare (never raised here). */
export const MISSING_CLIENT_CAPABILITY = -32021;
/** 2026-07-28: the request's protocol version is not one this server speaks. */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/**
 * Most messages in one JSON-RPC batch (2025-03-26 allowed batches; later revisions removed
 * them). A longer batch is refused whole, before anything runs.
 */
export const MAX_BATCH = 100;

export type Message =
  | {
      readonly kind: 'request';
      readonly id: RpcId;
      readonly method: string;
      readonly params: Params | undefined;
    }
  | { readonly kind: 'notification'; readonly method: string; readonly params: Params | undefined }
  | { readonly kind: 'response'; readonly id: RpcId | null }
  /** Not a JSON-RPC message; `id` when one could be read (the error echoes it). */
  | { readonly kind: 'invalid'; readonly id: RpcId | null; readonly reason: string };

/** What one parsed JSON value is, as a JSON-RPC message. */
export function readMessage(value: unknown): Message {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'invalid', id: null, reason: 'a message must be a JSON object' };
  }
  const m = value as Record<string, unknown>;
  const id = m['id'];
  const readableId =
    typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
  if (m['jsonrpc'] !== '2.0') {
    return { kind: 'invalid', id: readableId, reason: 'jsonrpc must be "2.0"' };
  }
  const method = m['method'];
  if (method === undefined) {
    if ('result' in m || 'error' in m) return { kind: 'response', id: readableId };
    return {
      kind: 'invalid',
      id: readableId,
      reason: 'a message needs a method, a result or an error',
    };
  }
  if (typeof method !== 'string') {
    return { kind: 'invalid', id: readableId, reason: 'method must be a string' };
  }
  const params = m['params'];
  if (
    params !== undefined &&
    (params === null || typeof params !== 'object' || Array.isArray(params))
  ) {
    return { kind: 'invalid', id: readableId, reason: 'params must be an object' };
  }
  if (id === undefined)
    return { kind: 'notification', method, params: params as Params | undefined };
  if (readableId === null)
    return { kind: 'invalid', id: null, reason: 'id must be a string or a number' };
  return { kind: 'request', id: readableId, method, params: params as Params | undefined };
}

export interface ErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export function errorResponse(id: RpcId | null, error: ErrorObject) {
  return { jsonrpc: '2.0' as const, id, error };
}

export function resultResponse(id: RpcId, result: unknown) {
  return { jsonrpc: '2.0' as const, id, result };
}

export function notification(method: string, params: Params) {
  return { jsonrpc: '2.0' as const, method, params };
}

/** `params._meta`, when it is an object. */
export function metaOf(params: Params | undefined): Params | undefined {
  const meta = params?.['_meta'];
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta)
    ? (meta as Params)
    : undefined;
}
