/**
 * Resource paths to router paths: `{x}` and `{{x}}` placeholders (contract §7) become router
 * parameters. Parameter names are replaced by positional ones (`p0`, `p1`...) because the router
 * treats characters such as `-` and `.` inside a name as separators; the mapping back to the
 * spec's names is kept with the route.
 *
 * A path may carry a query (`/v1/?Action=RunInstances`, AWS EC2/S3 style): the part before `?`
 * is routed, and its fixed `name=value` pairs tell apart the operations that share that path
 * (the REST adapter dispatches on them, see query-dispatch.ts).
 */
import { NaftikoError } from '../../errors.js';

export interface RoutePath {
  /** Path for the router, e.g. `/items/:p0`. */
  readonly path: string;
  /** Router parameter → the spec's placeholder name. */
  readonly params: ReadonlyMap<string, string>;
  /** Matches a concrete request path (for 405 detection). */
  readonly pattern: RegExp;
  /** Fixed query values from a `?a=b` part of the spec path, in order; empty without one. */
  readonly query: readonly (readonly [string, string])[];
}

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}|\{([^{}\s]+)\}/g;

/** Characters the router reads as wildcards or parameter patterns, with no escape for them. */
const UNROUTABLE = /[*()]/;

export function routePath(specPath: string): RoutePath {
  const params = new Map<string, string>();
  let source = '';
  let last = 0;
  let path = '';
  const mark = specPath.indexOf('?');
  const query = mark < 0 ? [] : [...new URLSearchParams(specPath.slice(mark + 1))];
  const bare = mark < 0 ? specPath : specPath.slice(0, mark);
  const normalized = bare.startsWith('/') ? bare : `/${bare}`;
  const outside = normalized.replace(PLACEHOLDER, '');
  if (UNROUTABLE.test(outside)) {
    // The router would read `*` as a wildcard and `(`...`)` as a parameter pattern: refuse at
    // start-up rather than serve another route than the one declared.
    throw new NaftikoError(
      'SPEC_INVALID',
      `REST resource path "${specPath}" contains "*", "(" or ")", which this engine cannot route literally`,
    );
  }
  for (const match of normalized.matchAll(PLACEHOLDER)) {
    const literal = normalized.slice(last, match.index);
    const key = `p${params.size}`;
    params.set(key, (match[1] ?? match[2]) as string);
    // `{name}:verb` (Google APIs' custom methods): the router would read `::verb` as part of the
    // parameter's name; a pattern ends the parameter at the colon.
    const end = match.index + match[0].length;
    const colonAfter = normalized[end] === ':';
    path += escapeRouter(literal) + `:${key}` + (colonAfter ? '(^[^/:]+)' : '');
    source += escapeRegExp(literal) + '([^/]+)';
    last = match.index + match[0].length;
  }
  const tail = normalized.slice(last);
  path += escapeRouter(tail);
  source += escapeRegExp(tail);
  return { path, params, pattern: new RegExp(`^${source.replace(/\/$/, '')}/?$`), query };
}

/** `:` in a literal segment would start a parameter; the router escapes it as `::`. */
function escapeRouter(literal: string): string {
  return literal.replace(/:/g, '::');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const TRAILING_PLACEHOLDER = /\/(?:\{\{\s*[^{}\s]+\s*\}\}|\{[^{}\s]+\})\/?$/;

/**
 * The router path of what a forward resource proxies under: its path without a placeholder that
 * ends it (that one captures the rest of the path), without a trailing slash.
 */
export function forwardPrefix(specPath: string): string {
  return routePath(forwardBase(specPath)).path.replace(/\/$/, '');
}

/** A forward resource's path without the placeholder that ends it, in the spec's own form. */
export function forwardBase(specPath: string): string {
  return specPath.replace(TRAILING_PLACEHOLDER, '').replace(/\/$/, '');
}

/** The name of the placeholder that captures a forward resource's sub-path (`path` if none). */
export function forwardCatchAll(specPath: string): string {
  const match = /\{\{\s*([^{}\s]+)\s*\}\}\/?$|\{([^{}\s]+)\}\/?$/.exec(specPath);
  return match?.[1] ?? match?.[2] ?? 'path';
}
