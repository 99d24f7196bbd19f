/**
 * Uniqueness of what callers address: REST (path, method) pairs per adapter, and MCP tool names
 * per adapter, which must also fit the MCP tool-name rules (1–64 characters of [A-Za-z0-9_.-]).
 */
import type { Path } from '../diagnostic-sink.js';
import { functionRefs } from './references.js';
import { exposes, isObj, objectsIn } from '../walk.js';
import type { SemanticRule } from './rule.js';

/**
 * A path as the router sees it: placeholders (`{x}` or `{{x}}`) erased, one leading `/`, no
 * repeated or trailing `/` (the REST adapter ignores those). Two routes clash when these match.
 */
export function routeShape(path: string): string {
  const shape = path.replace(/\{\{[^{}]*\}\}|\{[^{}]*\}/g, '{}').replace(/\/{2,}/g, '/');
  return '/' + shape.replace(/^\/+|\/+$/g, '');
}

/** The methods a `forward` resource routes (src/exposes/rest/forward.ts), on its path. */
const FORWARDED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export const restRouteDuplicate: SemanticRule = {
  id: 'rest-route-duplicate',
  severity: 'error',
  summary: 'Within a REST adapter, each (path, method) pair is declared once.',
  check(ctx, report) {
    for (const [adapter, aPath] of exposes(ctx.doc, 'rest')) {
      // By shape with the query part: operations told apart by fixed query values may share a
      // path. By bare shape (no query): what `forward` resources claim, and what they clash with.
      const seen = new Map<string, string>();
      const bareOperations = new Map<string, string>();
      const forwards = new Map<string, string>();
      for (const [resource, rPath] of objectsIn(adapter, 'resources', aPath)) {
        const path = String(resource.path);
        const shape = routeShape(path);
        const bare = routeShape(path.split('?')[0] ?? '');
        if (isObj(resource.forward)) {
          // A forward resource routes every method itself; its operations are not routed.
          for (const m of FORWARDED_METHODS) {
            const earlier = forwards.get(`${m} ${bare}`) ?? bareOperations.get(`${m} ${bare}`);
            if (earlier !== undefined) {
              report(`forward ${path} routes ${m} ${path}, already declared (as ${m} ${earlier})`, [
                ...rPath,
                'forward',
              ]);
              break;
            }
          }
          for (const m of FORWARDED_METHODS) forwards.set(`${m} ${bare}`, `${path} (forward)`);
          continue;
        }
        for (const [operation, oPath] of objectsIn(resource, 'operations', rPath)) {
          const method = String(operation.method);
          const key = `${method} ${shape}`;
          const earlier = seen.get(key) ?? forwards.get(`${method} ${bare}`);
          if (earlier !== undefined) {
            report(`${method} ${path} is already declared (as ${method} ${earlier})`, [
              ...oPath,
              'method',
            ]);
          } else {
            seen.set(key, path);
            bareOperations.set(`${method} ${bare}`, path);
          }
        }
      }
    }
  },
};

/** `*`, `(` or `)` outside placeholders: the router reads them as a wildcard or a pattern. */
const UNROUTABLE = /[*()]/;

export const restPathUnroutable: SemanticRule = {
  id: 'rest-path-unroutable',
  severity: 'error',
  summary:
    'REST resource paths have no `*`, `(` or `)` outside placeholders: no literal route for them.',
  check(ctx, report) {
    for (const [adapter, aPath] of exposes(ctx.doc, 'rest')) {
      for (const [resource, rPath] of objectsIn(adapter, 'resources', aPath)) {
        const path = String(resource.path);
        const bare = (path.split('?')[0] ?? '').replace(/\{\{[^{}]*\}\}|\{[^{}]*\}/g, '');
        if (UNROUTABLE.test(bare)) {
          report(
            `${path} has "*", "(" or ")", which the router would read as a wildcard or a pattern: the engine refuses to start it`,
            [...rPath, 'path'],
          );
        }
      }
    }
  },
};

const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const mcpToolName: SemanticRule = {
  id: 'mcp-tool-name',
  severity: 'error',
  summary: 'MCP tool names are unique per adapter, 1–64 characters of [A-Za-z0-9_.-].',
  check(ctx, report) {
    const refs = functionRefs(ctx);
    for (const [adapter, aPath] of exposes(ctx.doc, 'mcp')) {
      const seen = new Set<string>();
      for (const [tool, tPath] of objectsIn(adapter, 'tools', aPath)) {
        // A tool with a `ref` and no name takes the function's name.
        let name: string | undefined;
        let at: Path = [...tPath, 'name'];
        if (typeof tool.name === 'string') name = tool.name;
        else if (typeof tool.ref === 'string' && refs.has(tool.ref)) {
          name = tool.ref.slice(tool.ref.indexOf('.') + 1);
          at = [...tPath, 'ref'];
        }
        if (name === undefined) continue;
        if (!MCP_TOOL_NAME.test(name)) {
          report(
            `tool name "${name}" must be 1–64 characters of letters, digits, '_', '-' or '.'`,
            at,
          );
        }
        if (seen.has(name)) report(`tool name "${name}" is used twice in this MCP adapter`, at);
        seen.add(name);
      }
    }
  },
};
