/**
 * Which revision of MCP a request speaks, and the checks a 2026-07-28 ("modern") request must
 * pass before it is dispatched (docs/design/mcp-next.md §1, §5.3).
 *
 * - Modern: one JSON-RPC message whose `params._meta` carries
 *   `io.modelcontextprotocol/protocolVersion`, or whose `MCP-Protocol-Version` header names
 *   2026-07-28 or later. Served statelessly, version and client capabilities per request.
 * - Legacy: everything else (`initialize` and the requests of a 2025-11-25 session, batches,
 *   GET and DELETE). Served as 2025-11-25 and earlier revisions.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  HEADER_MISMATCH,
  INVALID_PARAMS,
  UNSUPPORTED_PROTOCOL_VERSION,
  metaOf,
} from './jsonrpc.js';
import type { ErrorObject, Params } from './jsonrpc.js';
import { isLogLevel } from './logging.js';

export type Era = 'modern' | 'legacy';

export const MODERN_VERSION = '2026-07-28';
export const MODERN_VERSIONS: readonly string[] = [MODERN_VERSION];
/** The revisions an `initialize` may negotiate, newest first (those of the SDK's v1 line). */
export const LEGACY_VERSIONS: readonly string[] = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
  '2024-10-07',
];
export const LATEST_LEGACY_VERSION = '2025-11-25';

export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_LOG_LEVEL = 'io.modelcontextprotocol/logLevel';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
export const META_SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** A header value naming a modern revision (a date at or after 2026-07-28). */
function namesModernRevision(value: string | undefined): boolean {
  return value !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value) && value >= MODERN_VERSION;
}

/** The era of one parsed POST body (or stdio line) with its protocol-version header. */
export function eraOf(body: unknown, versionHeader: string | undefined): Era {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'legacy';
  const m = body as Record<string, unknown>;
  if (typeof m['method'] !== 'string') return 'legacy';
  const params = m['params'];
  const meta =
    params !== null && typeof params === 'object' && !Array.isArray(params)
      ? metaOf(params as Params)
      : undefined;
  if (meta !== undefined && META_PROTOCOL_VERSION in meta) return 'modern';
  return namesModernRevision(versionHeader) ? 'modern' : 'legacy';
}

/** A refused modern request: its HTTP status and JSON-RPC error. */
export interface Refusal {
  readonly status: number;
  readonly error: ErrorObject;
}

/** The per-request envelope of a modern request, once checked. */
export interface Envelope {
  readonly protocolVersion: string;
  readonly clientCapabilities: Params;
  readonly logLevel: unknown;
}

/**
 * Rungs a–c of the ladder (§5.3) that do not depend on HTTP: the envelope, then the version.
 * `headerVersion` is checked against the envelope when given (HTTP), skipped when null (stdio).
 */
export function checkEnvelope(
  params: Params | undefined,
  headerVersion: string | undefined | null,
): Envelope | Refusal {
  const meta = metaOf(params);
  const missing: string[] = [];
  const version = meta?.[META_PROTOCOL_VERSION];
  const capabilities = meta?.[META_CLIENT_CAPABILITIES];
  if (typeof version !== 'string') missing.push(META_PROTOCOL_VERSION);
  if (!isObject(capabilities)) missing.push(META_CLIENT_CAPABILITIES);
  // Optional keys, when present, must have their types too.
  const invalid: string[] = [];
  const clientInfo = meta?.[META_CLIENT_INFO];
  if (clientInfo !== undefined && !isObject(clientInfo)) invalid.push(META_CLIENT_INFO);
  const logLevel = meta?.[META_LOG_LEVEL];
  if (logLevel !== undefined && !isLogLevel(logLevel)) {
    invalid.push(META_LOG_LEVEL);
  }
  const token = meta?.['progressToken'];
  if (token !== undefined && typeof token !== 'string' && typeof token !== 'number') {
    invalid.push('progressToken');
  }
  if (missing.length > 0 || typeof version !== 'string') {
    return {
      status: 400,
      error: {
        code: INVALID_PARAMS,
        message: `Invalid params: the request _meta must carry ${missing.join(' and ')}`,
        data: { envelope: { missing } },
      },
    };
  }
  if (invalid.length > 0) {
    return {
      status: 400,
      error: {
        code: INVALID_PARAMS,
        message: `Invalid params: ill-typed request _meta keys: ${invalid.join(', ')}`,
        data: { envelope: { invalid } },
      },
    };
  }
  if (headerVersion !== null && headerVersion !== version) {
    return {
      status: 400,
      error: {
        code: HEADER_MISMATCH,
        message:
          headerVersion === undefined
            ? 'Header mismatch: MCP-Protocol-Version header is required'
            : `Header mismatch: MCP-Protocol-Version header (${headerVersion}) differs from the request's protocol version (${version})`,
      },
    };
  }
  if (!MODERN_VERSIONS.includes(version)) {
    return {
      status: 400,
      error: {
        code: UNSUPPORTED_PROTOCOL_VERSION,
        message: `Unsupported protocol version: ${version}`,
        data: { supported: [...MODERN_VERSIONS], requested: version },
      },
    };
  }
  return {
    protocolVersion: version,
    clientCapabilities: capabilities as Params,
    logLevel: meta?.[META_LOG_LEVEL],
  };
}

/** Methods whose `Mcp-Name` header mirrors a parameter. */
const NAMED: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** Rung d (HTTP only): `Mcp-Method` and, where the method has one, `Mcp-Name`. */
export function checkMethodHeaders(
  method: string,
  params: Params | undefined,
  headers: IncomingHttpHeaders,
): Refusal | undefined {
  const sentMethod = decodeHeaderValue(single(headers['mcp-method']));
  if (sentMethod !== method) {
    return mismatch(
      sentMethod === undefined
        ? 'Mcp-Method header is required'
        : `Mcp-Method header (${sentMethod}) differs from the request's method (${method})`,
    );
  }
  const key = Object.hasOwn(NAMED, method) ? NAMED[method] : undefined;
  if (key === undefined) return undefined;
  const expected = params?.[key];
  // A name that is not a string is the params check's to refuse, in-band (-32602).
  if (typeof expected !== 'string') return undefined;
  const sentName = decodeHeaderValue(single(headers['mcp-name']));
  if (sentName === undefined) return mismatch('Mcp-Name header is required');
  if (sentName !== expected) {
    return mismatch(`Mcp-Name header differs from the request's ${key}`);
  }
  return undefined;
}

function mismatch(message: string): Refusal {
  return { status: 400, error: { code: HEADER_MISMATCH, message: `Header mismatch: ${message}` } };
}

const ENCODED = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/**
 * A header value as the client meant it: values that are not plain visible ASCII are sent as
 * `=?base64?<base64 of the UTF-8>?=` (2026-07-28, Streamable HTTP, request metadata).
 */
export function decodeHeaderValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const encoded = ENCODED.exec(value);
  return encoded === null ? value : Buffer.from(encoded[1] ?? '', 'base64').toString('utf8');
}

function isObject(value: unknown): value is Params {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
