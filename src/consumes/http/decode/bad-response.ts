/**
 * Builds the UPSTREAM_BAD_RESPONSE error raised when a body cannot be read in its declared format.
 *
 * The message names the format and the problem. It quotes at most a short preview of the body
 * (never the whole of it: upstream bodies can be large or hold data the caller must not see in
 * full), and library messages are cut to a bounded length for the same reason.
 */

import { NaftikoError } from '../../../errors.js';

const PREVIEW_CHARS = 40;
const PROBLEM_CHARS = 160;

/** A JSON-quoted preview of the first characters of a text, with an ellipsis when cut. */
export function preview(text: string): string {
  const head = text.trimStart().slice(0, PREVIEW_CHARS);
  return JSON.stringify(head) + (text.trimStart().length > PREVIEW_CHARS ? '…' : '');
}

/** The message of any thrown value, on one line and bounded in length. */
export function problemOf(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const line = raw.replace(/\s+/g, ' ').trim();
  return line.length > PROBLEM_CHARS ? `${line.slice(0, PROBLEM_CHARS)}…` : line;
}

/** UPSTREAM_BAD_RESPONSE for a body that is not valid `format`; `text` adds a short preview. */
export function badResponse(format: string, problem: string, text?: string): NaftikoError {
  const where = text === undefined ? '' : ` (body starts with ${preview(text)})`;
  return new NaftikoError(
    'UPSTREAM_BAD_RESPONSE',
    `The upstream response is not valid ${format}: ${problem}${where}`,
    { details: { format } },
  );
}
