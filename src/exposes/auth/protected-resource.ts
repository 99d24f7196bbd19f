/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) of an adapter guarded by `oauth2`: the JSON
 * document clients read to find the authorization server (MCP 2025-11-25 authorization), the
 * paths it is served at, and the `resource_metadata` URL its challenges point to (§5.1).
 *
 * RFC 9728 §3.1: the metadata of `https://host/path` lives at
 * `https://host/.well-known/oauth-protected-resource/path`; a resource without a path at the
 * plain well-known URL. The plain path is always served too (what most clients try first).
 */
import { NaftikoError } from '../../errors.js';
import type { AuthOAuth2 } from '../../spec/types.js';
import type { InboundAuthContext, PublicDocument } from './inbound-auth.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

export interface ProtectedResource {
  /** Where the metadata is served, for `publicDocuments`. */
  readonly document: PublicDocument;
  /** The absolute URL of the metadata, for `resource_metadata="…"` in challenges. */
  readonly metadataUrl: string;
}

export function protectedResource(auth: AuthOAuth2, ctx: InboundAuthContext): ProtectedResource {
  const resource = parseResource(auth.resource, ctx);
  // §3.1: a terminating slash right after the host is not part of the path.
  const path = resource.pathname === '/' ? '' : resource.pathname;
  const suffixed = `${WELL_KNOWN}${path}`;
  const metadata: Record<string, unknown> = {
    resource: auth.resource,
    authorization_servers: [auth.authorizationServerUri],
    ...(auth.scopes !== undefined && auth.scopes.length > 0
      ? { scopes_supported: [...auth.scopes] }
      : {}),
    bearer_methods_supported: ['header'],
    resource_name: ctx.realm,
  };
  return {
    document: {
      paths: path === '' ? [WELL_KNOWN] : [WELL_KNOWN, suffixed],
      contentType: 'application/json',
      body: JSON.stringify(metadata),
    },
    // The query, if any, stays on the URL (§3.1); documents are matched on the path alone.
    metadataUrl: `${resource.origin}${suffixed}${resource.search}`,
  };
}

/** The resource indicator: an absolute http(s) URL without a fragment (RFC 8707 §2). */
function parseResource(value: string, ctx: InboundAuthContext): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash) {
    throw new NaftikoError(
      'AUTH_UNENFORCEABLE',
      `${ctx.label}: oauth2 resource "${value}" is not an absolute http(s) URL without a fragment`,
      { details: { field: 'resource' } },
    );
  }
  return url;
}
