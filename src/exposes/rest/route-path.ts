/**
 * Resource paths to router paths: `{x}` and `{{x}}` placeholders (contract §7) become router
 * parameters. Parameter names are replaced by positional ones (`p0`, `p1`...) because the router
 * treats characters such as `-` and `.` inside a name as separators; the mapping back to the
 * spec's names is kept with the route.
 */
export interface RoutePath {
  /** Path for the router, e.g. `/items/:p0`. */
  readonly path: string;
  /** Router parameter → the spec's placeholder name. */
  readonly params: ReadonlyMap<string, string>;
  /** Matches a concrete request path (for 405 detection). */
  readonly pattern: RegExp;
}

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}|\{([^{}\s]+)\}/g;

export function routePath(specPath: string): RoutePath {
  const params = new Map<string, string>();
  let source = '';
  let last = 0;
  let path = '';
  const normalized = specPath.startsWith('/') ? specPath : `/${specPath}`;
  for (const match of normalized.matchAll(PLACEHOLDER)) {
    const literal = normalized.slice(last, match.index);
    const key = `p${params.size}`;
    params.set(key, (match[1] ?? match[2]) as string);
    path += escapeRouter(literal) + `:${key}`;
    source += escapeRegExp(literal) + '([^/]+)';
    last = match.index + match[0].length;
  }
  const tail = normalized.slice(last);
  path += escapeRouter(tail);
  source += escapeRegExp(tail);
  return { path, params, pattern: new RegExp(`^${source.replace(/\/$/, '')}/?$`) };
}

/** `:` in a literal segment would start a parameter; the router escapes it as `::`. */
function escapeRouter(literal: string): string {
  return literal.replace(/:/g, '::');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
