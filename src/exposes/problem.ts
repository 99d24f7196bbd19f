/**
 * The one HTTP wire mapping of engine errors: RFC 9457 problem details with a stable `code`.
 * Messages pass through the runtime's redactor, so a bound secret can never reach a caller.
 */
import { ERROR_CATALOGUE, NaftikoError, toNaftikoError } from '../errors.js';
import type { ErrorCode } from '../errors.js';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly errors?: readonly { name: string; in?: string; message: string }[];
  /** Seconds before a retry makes sense (also the `Retry-After` header). */
  readonly retryAfter?: number;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemFor(err: unknown, redact: (text: string) => string): Problem {
  const error = toNaftikoError(err);
  const spec = ERROR_CATALOGUE[error.code];
  // An unexpected error's message may carry anything: callers get the title only.
  const detail =
    error.code === 'INTERNAL' && !(err instanceof NaftikoError) ? spec.title : error.message;
  const problems = error.details?.problems;
  const retryAfter = error.details?.retryAfterSeconds;
  return {
    type: `https://naftiko-engine.dev/errors/${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: spec.title,
    status: spec.httpStatus,
    code: error.code,
    detail: redact(detail),
    // When to try again (seconds): also sent as the `Retry-After` header (sendProblem).
    ...(typeof retryAfter === 'number' ? { retryAfter } : {}),
    ...(Array.isArray(problems)
      ? {
          errors: problems.map((p: { name: string; in?: string; message: string }) => ({
            ...p,
            message: redact(p.message),
          })),
        }
      : {}),
  };
}
