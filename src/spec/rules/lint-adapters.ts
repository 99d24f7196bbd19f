/**
 * Adapter hygiene (intent of the official Spectral rules on paths, addresses and MCP stdio, with
 * their severities): paths without query strings or trailing slashes, no placeholder example.com
 * addresses, no authentication on stdio. The OAuth 2.0 rules live in authentication.ts.
 */
import { consumedResources, exposes, restResources } from '../walk.js';
import { isLoopbackHost } from './ports.js';
import type { SemanticRule } from './rule.js';

export const pathQuery: SemanticRule = {
  id: 'path-query',
  severity: 'warning',
  summary: 'Resource paths (consumed and REST) carry no query string; use query parameters.',
  check(ctx, report) {
    for (const [resource, path] of [...consumedResources(ctx.doc), ...restResources(ctx.doc)]) {
      if (typeof resource.path === 'string' && resource.path.includes('?')) {
        report(`path "${resource.path}" contains '?'; declare query parameters instead`, [
          ...path,
          'path',
        ]);
      }
    }
  },
};

export const restPathTrailingSlash: SemanticRule = {
  id: 'rest-path-trailing-slash',
  severity: 'warning',
  summary: 'REST resource paths do not end with `/`.',
  check(ctx, report) {
    for (const [resource, path] of restResources(ctx.doc)) {
      if (typeof resource.path === 'string' && resource.path.endsWith('/')) {
        report(`REST path "${resource.path}" ends with '/'`, [...path, 'path']);
      }
    }
  },
};

export const addressExample: SemanticRule = {
  id: 'address-example',
  severity: 'warning',
  summary: 'REST, MCP and skill adapters do not listen on an example.com placeholder address.',
  check(ctx, report) {
    for (const [adapter, path] of exposes(ctx.doc)) {
      if (adapter.type === 'control' || typeof adapter.address !== 'string') continue;
      if (/example\.com$/i.test(adapter.address)) {
        report(`address "${adapter.address}" is a placeholder`, [...path, 'address']);
      }
    }
  },
};

export const controlAddress: SemanticRule = {
  id: 'control-address',
  severity: 'warning',
  summary: 'The control adapter listens on localhost (it exposes internals).',
  check(ctx, report) {
    for (const [adapter, path] of exposes(ctx.doc, 'control')) {
      const address = adapter.address;
      if (typeof address === 'string' && !isLoopbackHost(address)) {
        report(`control adapter listens on "${address}", reachable beyond this machine`, [
          ...path,
          'address',
        ]);
      }
    }
  },
};

export const mcpStdioAuthentication: SemanticRule = {
  id: 'mcp-stdio-authentication',
  severity: 'warning',
  summary: 'An MCP adapter over stdio declares no authentication (the client owns the process).',
  check(ctx, report) {
    for (const [adapter, path] of exposes(ctx.doc, 'mcp')) {
      if (adapter.transport === 'stdio' && adapter.authentication !== undefined) {
        report(
          'authentication has no effect on an MCP adapter over stdio',
          [...path, 'authentication'],
          'key',
        );
      }
    }
  },
};
