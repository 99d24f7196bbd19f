/**
 * Headers sent unless a header parameter or the authentication sets them: a `User-Agent` (some
 * APIs, GitHub's among them, refuse requests without one) and an `Accept` matching the
 * operation's `outputRawFormat`, with a low-weight wildcard so that a strict server never
 * answers 406 to a request that would have worked without the header.
 */
import type { OutputRawFormat } from '../../spec/types.js';

const MEDIA_TYPES: Record<OutputRawFormat, string> = {
  json: 'application/json',
  xml: 'application/xml, text/xml',
  yaml: 'application/yaml, text/yaml',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  psv: 'text/plain',
  html: 'text/html',
  markdown: 'text/markdown',
  protobuf: 'application/x-protobuf, application/protobuf',
  avro: 'application/avro, avro/binary',
};

export const USER_AGENT = 'naftiko-engine';

export function defaultHeaders(
  format: OutputRawFormat | undefined,
): Readonly<Record<string, string>> {
  const accept = MEDIA_TYPES[format ?? 'json'] ?? MEDIA_TYPES.json;
  return { 'user-agent': USER_AGENT, accept: `${accept}, */*;q=0.5` };
}
