/**
 * Percent-encoding of one URL component (RFC 3986) that never throws: encodeURIComponent throws
 * on a lone UTF-16 surrogate, which a caller's string may contain; it is replaced with U+FFFD.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function encodeComponent(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));
  }
}
