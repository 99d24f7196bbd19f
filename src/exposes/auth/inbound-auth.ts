/**
 * Inbound authentication of an exposed adapter (contract §9, issue 9): the shapes every scheme
 * shares, and the one factory that turns an adapter's declared `authentication` into an
 * authenticator, failing closed. A scheme the engine cannot enforce, or whose expected credential
 * resolves to nothing, is AUTH_UNENFORCEABLE at start-up: a declared lock is never served open.
 *
 * An authenticator only looks at what arrives before the body (method, request-target, headers,
 * peer address): adapters run it before any parsing, session or upstream work.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { NaftikoError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';
import type { Lookup } from '../../spec/template.js';
import type { Authentication } from '../../spec/types.js';
import { compileStaticScheme } from './static-schemes.js';

export type Scheme = Authentication['type'];

/** What an authenticator may read of a request: nothing past the headers. */
export interface AuthRequest {
  readonly method: string;
  /** The request-target as received: path and query (`/mcp?x=1`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The peer's address, when known (no scheme depends on it). */
  readonly remoteAddress?: string | undefined;
}

export type AuthOutcome = AuthAllowed | AuthRefusal;

export interface AuthAllowed {
  readonly ok: true;
  /**
   * Who the credential identifies, when the scheme tells callers apart (OAuth 2.0: issuer and
   * subject). MCP sessions are bound to it: another caller cannot use a session it learns of.
   */
  readonly principal?: string;
}

export type RefusalCode = Extract<
  ErrorCode,
  'AUTH_REQUIRED' | 'AUTH_INVALID' | 'AUTH_FORBIDDEN' | 'AUTH_UNAVAILABLE'
>;

export interface AuthRefusal {
  readonly ok: false;
  readonly status: 401 | 403 | 503;
  readonly code: RefusalCode;
  /** `WWW-Authenticate` values, one challenge each (none for 503). */
  readonly challenges: readonly string[];
  /** Why, for the log: a fixed phrase, never anything the caller presented. */
  readonly reason: string;
  /** What the caller is told (safe to show: no credential, no secret). */
  readonly detail: string;
  /** Seconds, for `Retry-After` (503 only). */
  readonly retryAfter?: number;
}

/** A document served without authentication beside the protected routes (RFC 9728 metadata). */
export interface PublicDocument {
  /** Absolute paths, matched exactly (no query). */
  readonly paths: readonly string[];
  readonly contentType: string;
  readonly body: string;
}

export interface InboundAuthenticator {
  readonly scheme: Scheme;
  check(request: AuthRequest): AuthOutcome | Promise<AuthOutcome>;
  /** Documents every client may read (the OAuth 2.0 protected-resource metadata). */
  readonly publicDocuments: readonly PublicDocument[];
  /** Query parameters that carry the credential: never passed on (apikey in query). */
  readonly credentialQueryParameters: readonly string[];
  /** Starts what can be started ahead of the first request (OAuth 2.0 discovery); never throws. */
  warmUp?(): void;
  close?(): Promise<void>;
}

export interface InboundAuthContext {
  /** Bound variables: credentials are templates over them (contract §3). */
  readonly variables: Lookup;
  /** e.g. `MCP adapter "shipyard-tools"`: names the adapter in start-up errors. */
  readonly label: string;
  /** The protection space of challenges: the adapter namespace. */
  readonly realm: string;
  /** Reports a start-up or background problem that does not stop the adapter (warnings). */
  readonly warn?: (event: string, message: string) => void;
}

export async function compileInboundAuth(
  auth: Authentication,
  ctx: InboundAuthContext,
): Promise<InboundAuthenticator> {
  switch (auth.type) {
    case 'bearer':
    case 'apikey':
    case 'basic':
      return compileStaticScheme(auth, ctx);
    case 'digest':
      return (await import('./digest.js')).compileDigest(auth, ctx);
    case 'oauth2':
      return (await import('./oauth2.js')).compileOAuth2(auth, ctx);
    default:
      throw new NaftikoError(
        'AUTH_UNENFORCEABLE',
        `${ctx.label}: authentication type "${String((auth as { type?: unknown }).type)}" is not supported; refusing to serve the adapter open`,
      );
  }
}

export const ALLOWED: AuthOutcome = Object.freeze({ ok: true });

/** Builds a refusal. */
export function refuse(
  status: AuthRefusal['status'],
  code: RefusalCode,
  challenges: readonly string[],
  reason: string,
  detail: string,
  retryAfter?: number,
): AuthRefusal {
  return {
    ok: false,
    status,
    code,
    challenges,
    reason,
    detail,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  };
}

/** A quoted-string auth-param value (RFC 9110 §5.6.4): backslash-escapes `"` and `\`. */
export function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
