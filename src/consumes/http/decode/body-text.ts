/**
 * Turns a response body into text and classifies its media type.
 *
 * The charset comes from a byte-order mark when there is one, else from the Content-Type
 * `charset` parameter (RFC 9110 §8.3.2), else UTF-8. TextDecoder drops the BOM itself.
 */

import { TextDecoder } from 'node:util';

/** The lower-cased `type/subtype` of a Content-Type header, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const essence = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return essence === undefined || essence === '' ? undefined : essence;
}

/** True when the media type says the body is JSON (application/json, +json, text/json...). */
export function isJsonMediaType(mediaType: string): boolean {
  const subtype = mediaType.split('/')[1] ?? '';
  return subtype === 'json' || subtype.endsWith('+json') || subtype.endsWith('-json');
}

const TEXTUAL_SUBTYPES = new Set([
  'xml',
  'yaml',
  'x-yaml',
  'javascript',
  'ecmascript',
  'x-www-form-urlencoded',
  'graphql',
  'csv',
  'markdown',
  'xhtml+xml',
]);

/** True when the media type is human-readable text rather than binary data. */
export function isTextualMediaType(mediaType: string): boolean {
  const [type, subtype = ''] = mediaType.split('/');
  return (
    type === 'text' ||
    TEXTUAL_SUBTYPES.has(subtype) ||
    subtype.endsWith('+xml') ||
    subtype.endsWith('+yaml')
  );
}

function charsetOf(body: Buffer, contentType: string | undefined): string {
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase() ?? 'utf-8';
}

/** Decodes the body with its charset; an unknown charset falls back to UTF-8. */
export function bodyToText(body: Buffer, contentType: string | undefined): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charsetOf(body, contentType));
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(body);
}
