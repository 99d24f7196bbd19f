/**
 * The engine's one error class and its catalogue of stable codes.
 *
 * Every failure the engine reports to a user carries a code from ERROR_CATALOGUE. Codes are never
 * reused or renamed: clients (CI scripts, REST callers, MCP hosts) match on them. Each protocol
 * maps an error to its wire form from this table alone: the CLI uses `exitCode`, REST uses
 * `httpStatus` (RFC 9457 problem+json) and MCP an `isError` result or a JSON-RPC error.
 * The README's error table is checked against this catalogue by test/errors.test.ts.
 */

export interface ErrorSpec {
  /** Short human title, stable for a code (RFC 9457 `title`). */
  readonly title: string;
  /** HTTP status used when the error reaches a REST caller. */
  readonly httpStatus: number;
  /** Process exit code used when the error ends a CLI command. */
  readonly exitCode: number;
}

export const ERROR_CATALOGUE = {
  SPEC_INVALID: {
    title: 'The capability document has errors',
    httpStatus: 500,
    exitCode: 1,
  },
  SPEC_NOT_FOUND: {
    title: 'No capability document at that path',
    httpStatus: 500,
    exitCode: 2,
  },
  USAGE_INVALID: {
    title: 'The command line is not valid',
    httpStatus: 500,
    exitCode: 2,
  },
  BINDING_UNRESOLVED: {
    title: 'A bound variable has no value',
    httpStatus: 500,
    exitCode: 2,
  },
  BINDING_PROVIDER_UNSUPPORTED: {
    title: 'The binding provider is not supported',
    httpStatus: 500,
    exitCode: 2,
  },
  ADDRESS_IN_USE: {
    title: 'An adapter could not listen on its address',
    httpStatus: 500,
    exitCode: 2,
  },
  INPUT_INVALID: {
    title: 'The request has invalid or missing inputs',
    httpStatus: 400,
    exitCode: 2,
  },
  BODY_INVALID: {
    title: 'The request body cannot be read',
    httpStatus: 400,
    exitCode: 2,
  },
  BODY_TOO_LARGE: {
    title: 'The request body is too large',
    httpStatus: 413,
    exitCode: 2,
  },
  AUTH_REQUIRED: {
    title: 'Authentication is required',
    httpStatus: 401,
    exitCode: 2,
  },
  AUTH_INVALID: {
    title: 'The credentials are not valid',
    httpStatus: 401,
    exitCode: 2,
  },
  AUTH_FORBIDDEN: {
    title: 'The credentials do not grant access to this resource',
    httpStatus: 403,
    exitCode: 2,
  },
  AUTH_UNAVAILABLE: {
    title: 'The credentials cannot be checked right now',
    httpStatus: 503,
    exitCode: 3,
  },
  AUTH_UNENFORCEABLE: {
    title: 'A declared authentication cannot be enforced',
    httpStatus: 500,
    exitCode: 2,
  },
  URI_TOO_LONG: {
    title: 'The request URL is too long',
    httpStatus: 414,
    exitCode: 2,
  },
  HEADERS_TOO_LARGE: {
    title: 'The request headers are too large',
    httpStatus: 431,
    exitCode: 2,
  },
  RATE_LIMITED: {
    title: 'Too many requests from this client',
    httpStatus: 429,
    exitCode: 2,
  },
  SESSION_LIMIT_REACHED: {
    title: 'The server has too many open sessions',
    httpStatus: 503,
    exitCode: 3,
  },
  ROUTE_NOT_FOUND: {
    title: 'No such resource',
    httpStatus: 404,
    exitCode: 2,
  },
  METHOD_NOT_ALLOWED: {
    title: 'Method not allowed on this resource',
    httpStatus: 405,
    exitCode: 2,
  },
  UPSTREAM_UNREACHABLE: {
    title: 'The upstream API cannot be reached',
    httpStatus: 502,
    exitCode: 3,
  },
  UPSTREAM_TIMEOUT: {
    title: 'The upstream API did not answer in time',
    httpStatus: 504,
    exitCode: 3,
  },
  UPSTREAM_BAD_RESPONSE: {
    title: 'The upstream response cannot be read',
    httpStatus: 502,
    exitCode: 3,
  },
  UPSTREAM_TOO_LARGE: {
    title: 'The upstream response is larger than allowed',
    httpStatus: 502,
    exitCode: 3,
  },
  UPSTREAM_REDIRECT: {
    title: 'The upstream redirected where the engine does not follow',
    httpStatus: 502,
    exitCode: 3,
  },
  UPSTREAM_CIRCUIT_OPEN: {
    title: 'The upstream is failing; calls are refused for a while',
    httpStatus: 503,
    exitCode: 3,
  },
  SCRIPT_FAILED: {
    title: 'A script step failed',
    httpStatus: 500,
    exitCode: 3,
  },
  NOT_IMPLEMENTED: {
    title: 'This capability feature is not supported by the engine',
    httpStatus: 501,
    exitCode: 2,
  },
  INTERNAL: {
    title: 'Unexpected internal error',
    httpStatus: 500,
    exitCode: 3,
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The single error class: a stable code, a message safe to show, and optional details. */
export class NaftikoError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NaftikoError';
    this.code = code;
    this.details = options?.details;
  }

  get spec(): ErrorSpec {
    return ERROR_CATALOGUE[this.code];
  }
}

/** Narrows any thrown value to a NaftikoError, wrapping the unknown ones as INTERNAL. */
export function toNaftikoError(err: unknown): NaftikoError {
  if (err instanceof NaftikoError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new NaftikoError('INTERNAL', message, { cause: err });
}
