/**
 * Turns a failed exchange into a stable error (contract §5): a caller abort is rethrown as it
 * is; an exhausted total budget, a connect timeout or an undici headers/body timeout is
 * UPSTREAM_TIMEOUT (504); refused, reset, DNS and other socket failures are
 * UPSTREAM_UNREACHABLE (502). Messages name the operation, method and host+path template only:
 * never a query string, a header value or a credential; the system code (ECONNREFUSED...) is kept.
 */
import { NaftikoError } from '../../errors.js';
import type { Deadline } from './deadline.js';

export interface ExchangeContext {
  /** `namespace.operation` */
  readonly label: string;
  readonly method: string;
  /** host[:port] + path template */
  readonly target: string;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Not transport failures: request construction errors, rethrown as they are. */
const NOT_TRANSPORT = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

export function transportError(err: unknown, deadline: Deadline, ctx: ExchangeContext): unknown {
  const aborted = deadline.callerAbort;
  if (aborted !== undefined) return aborted.reason ?? err;
  if (err instanceof NaftikoError) return err;
  const code = errorCode(err);
  // The caller sees the operation, never the upstream's address (it may be internal); the
  // target stays in `details`, for logs.
  const where = `${ctx.label}: the upstream (${ctx.method})`;
  const details = { operation: ctx.label, method: ctx.method, target: ctx.target };
  if (deadline.timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new NaftikoError('UPSTREAM_TIMEOUT', `${where} did not answer in time`, {
      details: code === undefined ? details : { ...details, cause: code },
      cause: err,
    });
  }
  if (code === undefined || NOT_TRANSPORT.has(code)) return err;
  return new NaftikoError('UPSTREAM_UNREACHABLE', `${where} cannot be reached (${code})`, {
    details: { ...details, cause: code },
    cause: err,
  });
}

/** The most specific `code` of an error or of its causes (undici wraps socket errors). */
function errorCode(err: unknown): string | undefined {
  let found: string | undefined;
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    if (typeof code === 'string' && found === undefined) found = code;
  }
  return found;
}
