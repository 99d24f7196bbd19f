/**
 * outputRawFormat `json` (the default): the body parsed as JSON.
 *
 * Lenient where a user would expect it: when the upstream says the body is some other kind of
 * text (text/plain, text/html, application/xml...) and it does not parse, the text itself is the
 * value, so a plain-text answer still reaches the output mapping. A body that claims to be JSON
 * and is not, or a binary body that is not JSON, is an UPSTREAM_BAD_RESPONSE.
 * Newline-delimited JSON (application/x-ndjson, jsonl) becomes an array of its lines' values.
 */

import { badResponse, problemOf } from './bad-response.js';
import { isJsonMediaType, isTextualMediaType } from './body-text.js';

const LINE_DELIMITED = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/jsonlines',
]);

function parseLines(text: string): unknown[] {
  const values: unknown[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      values.push(JSON.parse(line));
    } catch (err) {
      throw badResponse('json', `line ${index + 1}: ${problemOf(err)}`);
    }
  }
  return values;
}

/** Parses `text` as JSON; see the file header for the lenient cases. */
export function decodeJson(text: string, mediaType: string | undefined): unknown {
  if (mediaType !== undefined && LINE_DELIMITED.has(mediaType)) return parseLines(text);
  try {
    return JSON.parse(text);
  } catch (err) {
    if (mediaType !== undefined && !isJsonMediaType(mediaType) && isTextualMediaType(mediaType)) {
      return text;
    }
    throw badResponse('json', problemOf(err));
  }
}
