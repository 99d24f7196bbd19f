/**
 * Adapter hygiene (intent of the official Spectral rules on paths, addresses, MCP stdio and
 * OAuth 2.0, with their severities): paths without query strings or trailing slashes,
 * no placeholder example.com addresses, no authentication on stdio, OAuth 2.0 over https.
 */
import type { Path } from '../diagnostic-sink.js';
import { consumedResources, exposes, isObj, restResources } from '../walk.js';
import { LOOPBACK } from './ports.js';
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
      if (typeof address === 'string' && !LOOPBACK.has(address)) {
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

/** The `authentication` of every adapter protected by OAuth 2.0, with its path. */
function* oauth2(doc: unknown): Generator<[Record<string, unknown>, Path]> {
  for (const [adapter, path] of exposes(doc)) {
    const auth = adapter.authentication;
    if (isObj(auth) && auth.type === 'oauth2') yield [auth, [...path, 'authentication']];
  }
}

export const oauth2Https: SemanticRule = {
  id: 'oauth2-https',
  severity: 'error',
  summary: 'An OAuth 2.0 authorization server is reached over https.',
  check(ctx, report) {
    for (const [auth, at] of oauth2(ctx.doc)) {
      if (
        typeof auth.authorizationServerUri === 'string' &&
        !auth.authorizationServerUri.startsWith('https://')
      ) {
        report('authorizationServerUri must use https', [...at, 'authorizationServerUri']);
      }
    }
  },
};

export const oauth2Resource: SemanticRule = {
  id: 'oauth2-resource',
  severity: 'warning',
  summary: 'An OAuth 2.0 protected resource has an https identifier and declares its scopes.',
  check(ctx, report) {
    for (const [auth, at] of oauth2(ctx.doc)) {
      if (typeof auth.resource === 'string' && !auth.resource.startsWith('https://')) {
        report('the OAuth 2.0 resource identifier should use https', [...at, 'resource']);
      }
      if (!Array.isArray(auth.scopes)) report('no OAuth 2.0 scopes are declared', [...at, 'type']);
    }
  },
};
