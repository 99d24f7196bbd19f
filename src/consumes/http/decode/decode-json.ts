/**
 * outputRawFormat `json` (the default): the body parsed as JSON.
 *
 * Lenient where a user would expect it: when the upstream says the body is some other kind of
 * text (text/plain, text/html, application/xml...) and it does not parse, the text itself is the
 * value, so a plain-text answer still reaches the output mapping. A body that claims to be JSON
 * and is not, or a binary body that is not JSON, is an UPSTREAM_BAD_RESPONSE.
 * Newline-delimited JSON (application/x-ndjson, jsonl) becomes an array of its lines' values.
 */

import { parseJsonLossless } from '../../../lossless-json.js';
import { badResponse, problemOf } from './bad-response.js';
import { isJsonMediaType, isTextualMediaType } from './body-text.js';

const LINE_DELIMITED = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/jsonlines',
]);

type Parse = (text: string) => unknown;

function parseLines(text: string, parse: Parse): unknown[] {
  const values: unknown[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      values.push(parse(line));
    } catch (err) {
      throw badResponse('json', `line ${index + 1}: ${problemOf(err)}`);
    }
  }
  return values;
}

/**
 * Parses `text` as JSON; see the file header for the lenient cases. `lossless`: integers beyond
 * 2^53 become bigints instead of rounded doubles (for mapped results, contract §6).
 */
export function decodeJson(text: string, mediaType: string | undefined, lossless = false): unknown {
  const parse: Parse = lossless ? parseJsonLossless : JSON.parse;
  if (mediaType !== undefined && LINE_DELIMITED.has(mediaType)) return parseLines(text, parse);
  try {
    return parse(text);
  } catch (err) {
    if (mediaType !== undefined && !isJsonMediaType(mediaType) && isTextualMediaType(mediaType)) {
      return text;
    }
    throw badResponse('json', problemOf(err));
  }
}
