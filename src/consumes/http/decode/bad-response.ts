/**
 * Builds the UPSTREAM_BAD_RESPONSE error raised when a body cannot be read in its declared format.
 *
 * The message names the format and the problem, never the body: it reaches REST and MCP callers,
 * and a body may hold data (even a credential echoed back) that redaction could only partly
 * catch once cut to a preview. Library messages are cut to a bounded length.
 */

import { NaftikoError } from '../../../errors.js';

const PROBLEM_CHARS = 160;

/**
 * The message of any thrown value, on one line and bounded in length. V8's JSON errors quote an
 * excerpt of the input (`Unexpected token 'x', "{"a": x"... is not valid JSON`): dropped.
 */
export function problemOf(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const line = raw
    .replace(/\s+/g, ' ')
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/, '')
    .trim();
  return line.length > PROBLEM_CHARS ? `${line.slice(0, PROBLEM_CHARS)}…` : line;
}

/** UPSTREAM_BAD_RESPONSE for a body that is not valid `format`. */
export function badResponse(format: string, problem: string): NaftikoError {
  return new NaftikoError(
    'UPSTREAM_BAD_RESPONSE',
    `The upstream response is not valid ${format}: ${problem}`,
    {
      details: { format },
    },
  );
}
