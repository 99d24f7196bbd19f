/**
 * Inbound authentication (contract §9, issue 9): a network adapter reachable beyond this machine
 * declares who may call it, and an OAuth 2.0 protected adapter reaches its authorization server
 * over https (the official rules' intent), plain http being tolerated on a loopback host at
 * engine level only.
 */
import type { Path } from '../diagnostic-sink.js';
import { exposes, isObj } from '../walk.js';
import type { Obj } from '../walk.js';
import { defaultAddress, isLoopbackHost, WILDCARDS } from './ports.js';
import type { SemanticRule } from './rule.js';

const TYPE_LABELS: Readonly<Record<string, string>> = { rest: 'REST', mcp: 'MCP' };

function adapterLabel(adapter: Obj): string {
  const type = String(adapter.type);
  const kind = `${TYPE_LABELS[type] ?? type} adapter`;
  return typeof adapter.namespace === 'string' ? `${kind} "${adapter.namespace}"` : kind;
}

export const adapterUnauthenticated: SemanticRule = {
  id: 'adapter-unauthenticated',
  severity: 'warning',
  summary:
    'A REST, MCP (http), skill or control adapter listening beyond loopback declares `authentication`.',
  check(ctx, report) {
    for (const [adapter, path] of exposes(ctx.doc)) {
      // MCP over stdio has no network door: the client that starts the process owns it.
      if (adapter.type === 'mcp' && adapter.transport === 'stdio') continue;
      if (adapter.authentication !== undefined) continue;
      const declared = typeof adapter.address === 'string' ? adapter.address : undefined;
      const address = declared ?? defaultAddress(adapter.type);
      if (isLoopbackHost(address)) continue;

      const notes = [
        ...(WILDCARDS.has(address) ? ['all interfaces'] : []),
        ...(declared === undefined ? ['the default'] : []),
      ];
      const where = notes.length > 0 ? `${address} (${notes.join(', ')})` : address;
      const reach = typeof adapter.port === 'number' ? `port ${adapter.port}` : 'it';
      report(
        `${adapterLabel(adapter)} listens on ${where} without authentication: anyone who can reach ${reach} can call it`,
        [...path, declared === undefined ? 'type' : 'address'],
      );
    }
  },
};

/** The `authentication` of every adapter protected by OAuth 2.0, with its path. */
function* oauth2(doc: unknown): Generator<[Obj, Path]> {
  for (const [adapter, path] of exposes(doc)) {
    const auth = adapter.authentication;
    if (isObj(auth) && auth.type === 'oauth2') yield [auth, [...path, 'authentication']];
  }
}

/** Whether a URI is plain http to a loopback host (a local authorization server). */
function isLoopbackHttp(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

/** Every `authorizationServerUri` that is not https, with its path. */
function* plainAuthorizationServers(doc: unknown): Generator<[string, Path]> {
  for (const [auth, at] of oauth2(doc)) {
    const uri = auth.authorizationServerUri;
    if (typeof uri === 'string' && !uri.startsWith('https://')) {
      yield [uri, [...at, 'authorizationServerUri']];
    }
  }
}

// One verdict, two ids: loopback http is `oauth2-http-loopback` (warning) at engine level and
// `oauth2-https` (error, the official rule's severity) under --strict, so each id keeps one
// severity and docs/rules.md can say which applies where.

export const oauth2Https: SemanticRule = {
  id: 'oauth2-https',
  severity: 'error',
  summary:
    'An OAuth 2.0 authorization server is reached over https (with --strict, even on a loopback host).',
  check(ctx, report) {
    for (const [uri, at] of plainAuthorizationServers(ctx.doc)) {
      if (!isLoopbackHttp(uri)) {
        report('authorizationServerUri must use https', at);
      } else if (ctx.strict) {
        report(
          'authorizationServerUri must use https (alpha2 allows no exception for loopback)',
          at,
        );
      }
    }
  },
};

export const oauth2HttpLoopback: SemanticRule = {
  id: 'oauth2-http-loopback',
  severity: 'warning',
  summary:
    'Engine level only: an OAuth 2.0 authorization server on a loopback host over plain http, for local development and tests.',
  check(ctx, report) {
    if (ctx.strict) return;
    for (const [uri, at] of plainAuthorizationServers(ctx.doc)) {
      if (isLoopbackHttp(uri)) {
        report(
          `authorization server "${uri}" is reached over plain http: accepted on a loopback host for local development and tests; --strict requires https`,
          at,
        );
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
