/**
 * `oauth2` inbound authentication: the adapter is an OAuth 2.0 resource server that accepts JWT
 * access tokens (RFC 6750 bearer usage, RFC 9068 JWT profile) issued by the declared
 * authorization server, and publishes RFC 9728 protected-resource metadata (MCP 2025-11-25
 * authorization).
 *
 * Discovery of the authorization server is lazy and retried (oauth2-discovery.ts): a start with
 * the server down is not fatal, but until it answers every request that presents a token is
 * refused with 503 AUTH_UNAVAILABLE (fail closed), and a new attempt goes out at most once per
 * `discoveryRetryMs`. Refusals follow RFC 6750 §3: 401 without `error` when no token was
 * presented, 401 `invalid_token`, 403 `insufficient_scope`; each challenge names the
 * `resource_metadata` URL (RFC 9728 §5.1).
 */
import { NaftikoError } from '../../errors.js';
import type { AuthOAuth2 } from '../../spec/types.js';
import type {
  AuthOutcome,
  AuthRefusal,
  InboundAuthContext,
  InboundAuthenticator,
} from './inbound-auth.js';
import { ALLOWED, quoted, refuse } from './inbound-auth.js';
import {
  FetchFailure,
  discoverAuthorizationServer,
  issuerUrl,
  withoutTrailingSlash,
} from './oauth2-discovery.js';
import { INVALID_TOKEN, createTokenVerifier } from './oauth2-verify.js';
import type { InvalidKind, TokenVerifier } from './oauth2-verify.js';
import { declaredScopes, grantsAll } from './oauth2-scopes.js';
import { protectedResource } from './protected-resource.js';
import { authorizationOf } from './static-schemes.js';

/** Tuning, for tests; the defaults suit production. */
export interface OAuth2Options {
  /** Timeout of every metadata and key-set fetch (5 s). */
  readonly fetchTimeoutMs?: number;
  /** Minimum time between key-set refetches caused by an unknown `kid` (30 s). */
  readonly jwksCooldownMs?: number;
  /** How long a fetched key set is used before it is fetched again (10 min). */
  readonly jwksCacheMaxAgeMs?: number;
  /** Minimum time between two discovery attempts, or two failed key-set fetches (10 s). */
  readonly discoveryRetryMs?: number;
  /** Clock skew allowed on `exp` and `nbf` (30 s). */
  readonly clockToleranceSec?: number;
}

export async function compileOAuth2(
  auth: AuthOAuth2,
  ctx: InboundAuthContext,
  options: OAuth2Options = {},
): Promise<InboundAuthenticator> {
  if (auth.tokenValidation === 'introspection') {
    // RFC 7662 §2.1 requires the resource server to authenticate to the introspection endpoint;
    // alpha2 declares no client credentials for it, so it cannot be done.
    throw new NaftikoError(
      'AUTH_UNENFORCEABLE',
      `${ctx.label}: oauth2 tokenValidation "introspection" is not supported (no client credentials to call the introspection endpoint); use "jwks"`,
      { details: { field: 'tokenValidation' } },
    );
  }
  const issuer = issuerUrl(auth.authorizationServerUri, ctx);
  const scopes = declaredScopes(auth.scopes, ctx);
  const audience = auth.audience ?? auth.resource;
  if (audience.trim() === '') {
    throw new NaftikoError('AUTH_UNENFORCEABLE', `${ctx.label}: oauth2 audience is empty`, {
      details: { field: 'audience' },
    });
  }
  const { document, metadataUrl } = protectedResource(auth, ctx);
  const refusals = refusalsFor(ctx.realm, scopes, metadataUrl);
  const timeoutMs = options.fetchTimeoutMs ?? 5_000;
  const retryMs = options.discoveryRetryMs ?? 10_000;
  const closer = new AbortController();
  const server = auth.authorizationServerUri;

  let verifier: TokenVerifier | undefined;
  let pending: Promise<void> | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;

  // A warning must not break the check or the warm-up (a logger that throws is not our failure).
  const warn = (event: string, message: string): void => {
    try {
      ctx.warn?.(event, message);
    } catch {
      // ignored
    }
  };

  // One attempt at a time; the window before the next one counts from the end of this one.
  const discover = (): Promise<void> =>
    (pending ??= (async () => {
      try {
        const metadata = await discoverAuthorizationServer(
          server,
          issuer,
          timeoutMs,
          closer.signal,
        );
        const declared = withoutTrailingSlash(server);
        verifier = createTokenVerifier({
          jwksUri: metadata.jwksUri,
          issuers: [...new Set([metadata.issuer, declared, `${declared}/`])],
          audience,
          clockToleranceSec: options.clockToleranceSec ?? 30,
          fetchTimeoutMs: timeoutMs,
          jwksCooldownMs: options.jwksCooldownMs ?? 30_000,
          jwksCacheMaxAgeMs: options.jwksCacheMaxAgeMs ?? 600_000,
          retryMs,
          signal: closer.signal,
          onKeysFailure: (reason) =>
            warn(
              'auth.jwks.failed',
              `${ctx.label}: the signing keys of authorization server ${server} could not be fetched from ${metadata.jwksUri.href} (${reason})`,
            ),
        });
      } catch (err) {
        if (closer.signal.aborted) return;
        const reason = err instanceof FetchFailure ? err.message : 'unexpected error';
        warn(
          'auth.discovery.failed',
          `${ctx.label}: authorization server ${server} could not be discovered (${reason}); requests with a token are refused with 503 until it answers`,
        );
      } finally {
        lastAttempt = Date.now();
        pending = undefined;
      }
    })());

  const unavailable = (retryAfter: number, keys: boolean): AuthRefusal =>
    refuse(
      503,
      'AUTH_UNAVAILABLE',
      [],
      keys ? 'signing keys unavailable' : 'authorization server unreachable',
      'the authorization server cannot be reached to check the token; try again later',
      retryAfter,
    );

  const checkToken = async (token: string): Promise<AuthOutcome> => {
    if (verifier === undefined) {
      const due = Date.now() - lastAttempt >= retryMs;
      if (pending === undefined && due && !closer.signal.aborted) void discover();
      if (pending !== undefined) await pending;
      if (verifier === undefined) {
        const wait = Math.ceil((lastAttempt + retryMs - Date.now()) / 1000);
        return unavailable(Math.max(1, wait), false);
      }
    }
    const verdict = await verifier.verify(token);
    if (verdict.ok) {
      if (!grantsAll(verdict.claims, scopes)) return refusals.forbidden;
      const { iss, sub } = verdict.claims;
      return sub === undefined ? ALLOWED : { ok: true, principal: `${iss ?? ''} ${sub}` };
    }
    if (verdict.kind === 'unavailable') return unavailable(verdict.retryAfter, true);
    return refusals.invalid[verdict.kind];
  };

  return {
    scheme: 'oauth2',
    publicDocuments: [document],
    credentialQueryParameters: [],
    check(request) {
      const token = authorizationOf(request, 'bearer');
      if (token === undefined || token === '') return refusals.required;
      // Not a JWS compact serialisation: malformed whatever the authorization server says, so
      // refused without waiting for (or triggering) discovery.
      if (!JWS_COMPACT.test(token)) return refusals.invalid.malformed;
      return checkToken(token);
    },
    warmUp() {
      if (verifier !== undefined || pending !== undefined || closer.signal.aborted) return;
      void discover().then(() => verifier?.prefetch());
    },
    async close() {
      closer.abort();
      await pending;
    },
  };
}

const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

interface Refusals {
  readonly required: AuthRefusal;
  readonly forbidden: AuthRefusal;
  readonly invalid: Readonly<Record<InvalidKind, AuthRefusal>>;
}

/** Every refusal is built once: a request only picks one. */
function refusalsFor(realm: string, scopes: readonly string[], metadataUrl: string): Refusals {
  const head = `Bearer realm=${quoted(realm)}`;
  const scope = scopes.length > 0 ? `, scope=${quoted(scopes.join(' '))}` : '';
  const tail = `, resource_metadata=${quoted(metadataUrl)}`;
  const invalid = {} as Record<InvalidKind, AuthRefusal>;
  for (const [kind, [reason, description]] of Object.entries(INVALID_TOKEN)) {
    invalid[kind as InvalidKind] = refuse(
      401,
      'AUTH_INVALID',
      [`${head}, error="invalid_token", error_description=${quoted(description)}${tail}`],
      reason,
      description,
    );
  }
  return {
    required: refuse(
      401,
      'AUTH_REQUIRED',
      [`${head}${scope}${tail}`],
      'no bearer token',
      'a bearer access token is required',
    ),
    forbidden: refuse(
      403,
      'AUTH_FORBIDDEN',
      [`${head}, error="insufficient_scope"${scope}${tail}`],
      'insufficient scope',
      `the access token does not grant every required scope (${scopes.join(' ')})`,
    ),
    invalid,
  };
}
