/**
 * Places parameter values in the request (contract §5): `query` (arrays repeat the key, objects
 * are JSON text), `header` (arrays joined with ", "), `cookie` (one `Cookie` header). `path`,
 * `body` and `environment` values only feed templates and are not placed here.
 *
 * Query keys and values are percent-encoded with encodeURIComponent (a space is %20, not `+`).
 * Cookie values have the characters RFC 6265 forbids (controls, space, `"`, `,`, `;`, `\`)
 * percent-encoded. A header value with a line break or NUL is refused (it would split the header),
 * and so is a query value with one (issue 11: CR, LF and NUL are bad input, never forwarded, even
 * percent-encoded: an upstream that decodes and logs or re-emits the value would be split by it).
 */
import { NaftikoError } from '../../errors.js';
import { encodeComponent } from './encode-component.js';
import { stringify } from '../../spec/template.js';
import type { CompiledParameter } from './effective-parameters.js';

const LINE_BREAK_OR_NUL = /[\r\n\0]/;

export interface PlacedParameters {
  /** Encoded `k=v` pieces. */
  readonly query: string[];
  /** Lower-case names. */
  readonly headers: Record<string, string>;
}

export function placeParameters(
  params: readonly CompiledParameter[],
  values: readonly unknown[],
  label: string,
): PlacedParameters {
  const query: string[] = [];
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  params.forEach(({ spec }, index) => {
    const value = values[index];
    if (value === undefined) return;
    if (spec.in === 'query') {
      const key = encodeComponent(spec.name);
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null) {
          const text = stringify(item);
          if (LINE_BREAK_OR_NUL.test(text)) {
            throw new NaftikoError(
              'INPUT_INVALID',
              `${label}: the value of query parameter "${spec.name}" contains a line break or NUL`,
              { details: { invalid: [spec.name] } },
            );
          }
          query.push(`${key}=${encodeComponent(text)}`);
        }
      }
    } else if (spec.in === 'header') {
      const text = Array.isArray(value) ? value.map(stringify).join(', ') : stringify(value);
      if (LINE_BREAK_OR_NUL.test(text)) {
        throw new NaftikoError(
          'INPUT_INVALID',
          `${label}: the value of header "${spec.name}" contains a line break`,
          { details: { invalid: [spec.name] } },
        );
      }
      headers[spec.name.toLowerCase()] = text;
    } else if (spec.in === 'cookie') {
      cookies.push(`${spec.name}=${encodeCookieValue(stringify(value))}`);
    }
  });
  if (cookies.length > 0) {
    const existing = headers.cookie;
    headers.cookie = [existing, ...cookies].filter((c) => c !== undefined).join('; ');
  }
  return { query, headers };
}

function encodeCookieValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0020"%,;\\\u007f-\u{10ffff}]/gu, (c) => encodeComponent(c));
}
