/**
 * The upstream URL of a consumed operation: `baseUri` joined to the resource path with exactly
 * one `/` (contract §5), both templates compiled once.
 *
 * - baseUri placeholders take bound variables as they are (an operator may bind a whole URL,
 *   `{{API_URL}}`); a name that is not a variable falls back to the request's values,
 *   percent-encoded so that a caller can never change the host or add path segments.
 * - Path placeholders (`{x}` and `{{x}}`) are percent-encoded with encodeURIComponent; an empty
 *   value counts as missing (it would collapse a segment).
 * - A query written in the baseUri or the resource path is kept, before the parameters.
 * - `displayPath` comes from the templates, never from rendered values, so that messages cannot
 *   leak a secret placed in a path (some APIs put tokens there).
 */
import { NaftikoError } from '../../errors.js';
import { encodeComponent } from './encode-component.js';
import { compileTemplate, stringify, type Lookup } from '../../spec/template.js';

export interface RequestTarget {
  /** `scheme://host[:port]`, the connection pool key. */
  readonly origin: string;
  /** host[:port], for messages. */
  readonly host: string;
  /** Absolute path, without query. */
  readonly path: string;
  /** Already-encoded `k=v` query pieces written in the templates. */
  readonly query: readonly string[];
}

export interface UrlTemplate {
  readonly displayPath: string;
  /** The target, or the names of placeholders that had no value. */
  render(variables: Lookup, lookup: Lookup): RequestTarget | { missing: string[] };
}

interface Base {
  origin: string;
  host: string;
  path: string;
  query: string[];
}

export function compileUrl(baseUri: string, resourcePath: string, label: string): UrlTemplate {
  const baseTemplate = compileTemplate(baseUri);
  const pathTemplate = compileTemplate(resourcePath, { singleBrace: true });
  const staticBase = baseTemplate.isStatic ? parseBase(baseUri, label, 'SPEC_INVALID') : undefined;
  return {
    displayPath: joinPath(displayBasePath(baseUri), splitQuery(resourcePath)[0]),
    render(variables, lookup) {
      let base = staticBase;
      const missing: string[] = [];
      if (base === undefined) {
        const rendered = baseTemplate.render((name) => {
          const value = variables(name);
          if (value !== undefined && value !== null) return value;
          const own = lookup(name);
          return own === undefined || own === null ? own : encodeComponent(stringify(own));
        });
        missing.push(...rendered.missing);
        if (missing.length === 0) base = parseBase(rendered.text, label, 'INPUT_INVALID');
      }
      const unsafe: string[] = [];
      const path = pathTemplate.render((name) => {
        const value = lookup(name);
        if (typeof value === 'string' && unsafeSegment(value)) unsafe.push(name);
        return value === '' ? undefined : value;
      }, encodeComponent);
      if (unsafe.length > 0) {
        // Whoever fed it (a REST path, an MCP argument, a step output), a placeholder never
        // becomes a dot segment (`..` normalised by a proxy reaches another resource with the
        // engine's credentials) nor carries a line break or NUL.
        throw new NaftikoError(
          'INPUT_INVALID',
          `${label}: ${unsafe.join(', ')} cannot be ".", ".." or contain a line break or NUL`,
          { details: { invalid: unsafe } },
        );
      }
      missing.push(...path.missing);
      if (base === undefined || missing.length > 0) return { missing };
      const [resPath, resQuery] = splitQuery(path.text);
      return {
        origin: base.origin,
        host: base.host,
        path: joinPath(base.path, resPath),
        query: resQuery === '' ? base.query : [...base.query, resQuery],
      };
    },
  };
}

function parseBase(text: string, label: string, code: 'SPEC_INVALID' | 'INPUT_INVALID'): Base {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new NaftikoError(code, `${label}: the base URI is not an http(s) URL`);
  }
  const query = url.search.length > 1 ? [url.search.slice(1)] : [];
  return { origin: url.origin, host: url.host, path: url.pathname, query };
}

/** base + "/" + path with exactly one slash; an empty resource path leaves the base as it is. */
export function joinPath(base: string, path: string): string {
  if (path === '') return base === '' ? '/' : base;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function splitQuery(text: string): [string, string] {
  const at = text.indexOf('?');
  return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

/** The path part of the baseUri template, without scheme, authority or query. */
function displayBasePath(baseUri: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(baseUri);
  return match?.[1] ?? '';
}

/** `.`, `..` (also percent-encoded), or a value with CR, LF or NUL. */
function unsafeSegment(value: string): boolean {
  if (/[\r\n\0]/.test(value)) return true;
  const decoded = value.replace(/%2e/gi, '.');
  return decoded === '.' || decoded === '..';
}
