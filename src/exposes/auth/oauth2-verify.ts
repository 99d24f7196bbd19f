/**
 * Verifying a JWT access token (RFC 9068, RFC 7519) against the authorization server's key set,
 * with `jose`. The only module besides oauth2.ts that loads jose: a capability without `oauth2`
 * never pays for it (inbound-auth.ts imports oauth2.js lazily).
 *
 * - Asymmetric signatures only (RFC 8725 §3.1, §3.2): never `none`, never HS* (an HMAC "signed"
 *   with the public key is the classic confusion attack).
 * - `exp` is required (RFC 9068 §2.2), `exp`/`nbf` allow a small clock skew, `iss` is the
 *   discovered issuer, `aud` must contain the resource's audience.
 * - The key set is cached and refetched on an unknown `kid` at most once per cooldown (jose's
 *   createRemoteJWKSet). A failed fetch is not retried before `retryMs` either, so neither a flood
 *   of unknown kids nor an outage hammers the authorization server; meanwhile the answer is
 *   "unavailable" (503), not "invalid": the token may be fine.
 * Every failure maps to a fixed kind: nothing from the token or from jose's message is echoed.
 */
import { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
import type { FetchImplementation, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { FetchFailure, boundedFetch, readCapped } from './oauth2-discovery.js';

/** Why a token is refused: a log reason and what the caller is told (RFC 6750 §3.1). */
export const INVALID_TOKEN = {
  malformed: ['malformed token', 'the token is not a well-formed JWT'],
  algorithm: [
    'algorithm not allowed',
    'the token is signed with an algorithm that is not accepted',
  ],
  unknownKey: ['unknown signing key', 'the token is signed with a key the issuer does not publish'],
  signature: ['bad signature', 'the token signature is not valid'],
  expired: ['token expired', 'the token has expired'],
  notYetValid: ['token not yet valid', 'the token is not valid yet'],
  noExpiry: ['no expiry', 'the token has no valid expiry time'],
  issuer: ['wrong issuer', 'the token was not issued by the expected authorization server'],
  audience: ['wrong audience', 'the token is not meant for this resource'],
  noAudience: ['no audience', 'the token names no audience'],
  claims: ['invalid claims', 'the token claims are not valid'],
  unverifiable: ['token not verifiable', 'the token could not be verified'],
} as const satisfies Record<string, readonly [reason: string, description: string]>;

export type InvalidKind = keyof typeof INVALID_TOKEN;

export type TokenVerdict =
  | { readonly ok: true; readonly claims: JWTPayload }
  | { readonly ok: false; readonly kind: InvalidKind }
  | { readonly ok: false; readonly kind: 'unavailable'; readonly retryAfter: number };

export interface TokenVerifier {
  verify(token: string): Promise<TokenVerdict>;
  /** Fetches the key set ahead of the first token; never throws. */
  prefetch(): Promise<void>;
}

export interface VerifierSettings {
  readonly jwksUri: URL;
  readonly issuers: readonly string[];
  readonly audience: string;
  readonly clockToleranceSec: number;
  readonly fetchTimeoutMs: number;
  readonly jwksCooldownMs: number;
  readonly jwksCacheMaxAgeMs: number;
  /** After a failed key-set fetch, how long before the next one may go out. */
  readonly retryMs: number;
  /** Aborted when the adapter closes. */
  readonly signal: AbortSignal;
  /** A key-set fetch failed (a short reason, no secret). */
  readonly onKeysFailure: (reason: string) => void;
}

/** RFC 7518 §3.1 / RFC 8037: the asymmetric JWS algorithms (`Ed25519` is RFC 9864's name). */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** Three base64url segments (the last empty for `alg: none`, which jose then refuses). */
const COMPACT_JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

/** A fetch attempt skipped because the last one failed too recently. */
class Backoff extends FetchFailure {}

export function createTokenVerifier(settings: VerifierSettings): TokenVerifier {
  let failedAt = Number.NEGATIVE_INFINITY;
  const retryAfter = () =>
    Math.max(1, Math.ceil((failedAt + settings.retryMs - Date.now()) / 1000));

  const fetchKeySet: FetchImplementation = async (url, init) => {
    if (Date.now() - failedAt < settings.retryMs) throw new Backoff('recently failed');
    try {
      const signal = AbortSignal.any([init.signal, settings.signal]);
      const response = await boundedFetch(url, signal, init.headers);
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new FetchFailure(`HTTP ${response.status}`);
      }
      const text = await readCapped(response);
      if (!isKeySet(text)) throw new FetchFailure('not a JSON Web Key Set');
      failedAt = Number.NEGATIVE_INFINITY;
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (err) {
      failedAt = Date.now();
      const reason = err instanceof FetchFailure ? err.message : 'unexpected failure';
      settings.onKeysFailure(reason);
      throw err instanceof FetchFailure ? err : new FetchFailure(reason);
    }
  };

  const keys = createRemoteJWKSet(settings.jwksUri, {
    timeoutDuration: settings.fetchTimeoutMs,
    cooldownDuration: settings.jwksCooldownMs,
    cacheMaxAge: settings.jwksCacheMaxAgeMs,
    [customFetch]: fetchKeySet,
  });
  const options: JWTVerifyOptions = {
    algorithms: ALGORITHMS,
    issuer: [...settings.issuers],
    audience: settings.audience,
    clockTolerance: settings.clockToleranceSec,
    requiredClaims: ['exp'],
  };

  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWT.test(token)) {
        return { ok: false, kind: 'malformed' };
      }
      try {
        const claims = await verifyWithAnyKey(token, keys, options);
        return { ok: true, claims };
      } catch (err) {
        const kind = classify(err);
        return kind === 'unavailable'
          ? { ok: false, kind, retryAfter: retryAfter() }
          : { ok: false, kind };
      }
    },
    async prefetch() {
      await keys.reload().catch(() => undefined);
    },
  };
}

/**
 * jwtVerify with the key set; when several keys match a token (no `kid`, during a rotation), each
 * is tried in turn, as jose documents for ERR_JWKS_MULTIPLE_MATCHING_KEYS.
 */
async function verifyWithAnyKey(
  token: string,
  keys: JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, keys, options)).payload;
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    for await (const key of err) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

function classify(err: unknown): InvalidKind | 'unavailable' {
  if (err instanceof FetchFailure) return 'unavailable';
  if (!(err instanceof errors.JOSEError)) return 'unverifiable';
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimKind(err as errors.JWTClaimValidationFailed);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'unknownKey';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'algorithm';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'malformed';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC':
      // The key set could not be fetched or read: the authorization server's problem.
      return 'unavailable';
    default:
      return 'unverifiable';
  }
}

function claimKind(err: errors.JWTClaimValidationFailed): InvalidKind {
  switch (err.claim) {
    case 'nbf':
      return 'notYetValid';
    case 'exp':
      return 'noExpiry';
    case 'iss':
      return 'issuer';
    case 'aud':
      return err.reason === 'missing' ? 'noAudience' : 'audience';
    default:
      return 'claims';
  }
}

function isKeySet(text: string): boolean {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return false;
  }
  const keys = (json as { keys?: unknown } | null)?.keys;
  return Array.isArray(keys) && keys.every((k) => typeof k === 'object' && k !== null);
}
