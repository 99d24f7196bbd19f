/**
 * HTTP Digest access authentication, server side (RFC 7616).
 *
 * - Challenges (§3.3, §3.7): one per algorithm, SHA-256 first then MD5, `qop="auth"`,
 *   `charset=UTF-8`, a fresh nonce and the authenticator's opaque; `stale=true` (§3.3) when an
 *   expired or no longer tracked nonce came with an otherwise correct response.
 * - Nonces are stateless until first used: base64url(issue time ‖ random ‖ HMAC-SHA256 of both
 *   under a per-authenticator secret), so they cannot be forged and carry their own expiry.
 * - Replay (§3.4, §5.3): `qop=auth` is required (the RFC 2069 form is refused) and `nc` must
 *   strictly increase per nonce. Used nonces sit in a bounded map; a nonce dropped from it (for
 *   expiry or capacity) is treated as stale from then on, never as fresh.
 * - Verification (§3.4.1–§3.4.3, §3.4.6): realm, opaque and the request-target must match,
 *   algorithm SHA-256 or MD5 (MD5 when absent), `username` or `username*` (RFC 8187, UTF-8) and
 *   the response are compared in constant time.
 * Not supported, refused: the `-sess` algorithms (never offered: they serve third-party
 * authentication servers), `auth-int`, `userhash=true` (never offered).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseChallenges } from '../../consumes/http/digest-auth.js';
import type { AuthDigest } from '../../spec/types.js';
import { secretMatcher } from './constant-time.js';
import { expectedCredential } from './credentials.js';
import { ALLOWED, quoted, refuse } from './inbound-auth.js';
import type {
  AuthOutcome,
  AuthRefusal,
  AuthRequest,
  InboundAuthContext,
  InboundAuthenticator,
} from './inbound-auth.js';

export interface DigestOptions {
  /** How long an issued nonce is accepted (default 300 s). */
  readonly nonceLifetimeMs?: number;
  /** How many used nonces are tracked for their nonce count (default 10 000). */
  readonly maxTrackedNonces?: number;
  /** The clock, in milliseconds (tests). */
  readonly now?: () => number;
}

export const DEFAULT_NONCE_LIFETIME_MS = 300_000;
export const DEFAULT_MAX_TRACKED_NONCES = 10_000;

/** In the order the challenges are offered: the client picks the first it supports (§3.7). */
const ALGORITHMS = [
  ['SHA-256', 'sha256'],
  ['MD5', 'md5'],
] as const;

export function compileDigest(
  auth: AuthDigest,
  ctx: InboundAuthContext,
  options: DigestOptions = {},
): InboundAuthenticator {
  const username = expectedCredential(auth.username, 'username', ctx);
  const password = expectedCredential(auth.password, 'password', ctx);
  const userMatches = secretMatcher(username);
  const realm = ctx.realm;
  const opaque = randomBytes(16).toString('base64url');
  const nonces = new NonceBook(
    options.nonceLifetimeMs ?? DEFAULT_NONCE_LIFETIME_MS,
    options.maxTrackedNonces ?? DEFAULT_MAX_TRACKED_NONCES,
    options.now ?? Date.now,
  );
  // H(A1) depends only on the spec: computed once per algorithm (§3.4.2).
  const ha1 = new Map<string, { readonly hash: string; readonly ha1: string }>(
    ALGORITHMS.map(([name, hash]) => [
      name,
      { hash, ha1: hex(hash, `${username}:${realm}:${password}`) },
    ]),
  );

  /** A refusal with a fresh nonce in its challenges: refusals are built per request. */
  const refusal = (
    code: 'AUTH_REQUIRED' | 'AUTH_INVALID',
    reason: string,
    detail: string,
    stale = false,
  ): AuthRefusal => {
    const nonce = nonces.issue();
    const challenges = ALGORITHMS.map(
      ([name]) =>
        `Digest realm=${quoted(realm)}, qop="auth", algorithm=${name}, nonce="${nonce}", ` +
        `opaque="${opaque}", charset=UTF-8${stale ? ', stale=true' : ''}`,
    );
    return refuse(401, code, challenges, reason, detail);
  };
  const invalid = (reason: string, detail = 'the Digest credentials are not valid') =>
    refusal('AUTH_INVALID', reason, detail);
  const malformed = () => invalid('malformed digest credentials');

  function check(request: AuthRequest): AuthOutcome {
    const header = request.headers.authorization;
    const parsed = header === undefined ? [] : parseChallenges(header);
    const first = parsed[0];
    if (first === undefined || first.scheme.toLowerCase() !== 'digest') {
      return refusal(
        'AUTH_REQUIRED',
        'no digest credentials',
        'Digest credentials are required (RFC 7616)',
      );
    }
    // A bare token after the parameters would read as a second "challenge": not credentials.
    if (parsed.length !== 1) return malformed();
    const p = first.params;

    const presentedUser = userOf(p);
    const { nonce, uri, response, cnonce, nc } = p;
    if (
      presentedUser === undefined ||
      p.realm === undefined ||
      nonce === undefined ||
      uri === undefined ||
      response === undefined
    ) {
      return malformed();
    }
    if (p.qop === undefined) {
      return invalid('digest without qop', 'Digest credentials must use qop=auth');
    }
    if (p.qop.toLowerCase() !== 'auth') {
      return invalid('unsupported qop', 'Digest credentials must use qop=auth');
    }
    if (cnonce === undefined || nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc)) {
      return malformed();
    }
    const count = Number.parseInt(nc, 16);
    if (count === 0) return malformed();
    if (p.userhash !== undefined && p.userhash.toLowerCase() !== 'false') {
      return invalid('unsupported userhash', 'Digest credentials must not hash the user name');
    }
    const algorithm = ha1.get((p.algorithm ?? 'MD5').toUpperCase());
    if (algorithm === undefined) {
      return invalid('unsupported algorithm', 'the Digest algorithm must be SHA-256 or MD5');
    }
    if (p.realm !== realm) return invalid('wrong realm', 'the Digest realm is not this one');
    if (p.opaque !== opaque) return invalid('wrong opaque', 'the Digest opaque is not ours');
    const issuedAt = nonces.verify(nonce);
    if (issuedAt === undefined) {
      return invalid('unknown nonce', 'the Digest nonce was not issued by this server');
    }
    // §3.4.6: the credentials answer for this request-target only.
    if (uri !== request.url) {
      return invalid('uri mismatch', 'the Digest uri must be the request-target');
    }

    const { hash } = algorithm;
    const ha2 = hex(hash, `${request.method}:${uri}`);
    const expected = hex(hash, `${algorithm.ha1}:${nonce}:${nc}:${cnonce}:${p.qop}:${ha2}`);
    // Both are always compared: which one was wrong does not show in the time taken.
    const userOk = userMatches(presentedUser);
    const responseOk = sameHex(expected, response);
    if (!(userOk && responseOk)) return invalid('wrong digest response');

    switch (nonces.use(nonce, issuedAt, count)) {
      case 'stale':
        return refusal(
          'AUTH_INVALID',
          'stale nonce',
          'the Digest nonce is no longer valid; answer the new challenge',
          true,
        );
      case 'replayed':
        return invalid('replayed nonce count');
      case 'ok':
        return ALLOWED;
    }
  }

  return { scheme: 'digest', publicDocuments: [], credentialQueryParameters: [], check };
}

/** The presented user name: `username`, or `username*` (RFC 8187), never both (§3.4). */
function userOf(p: Readonly<Record<string, string>>): string | undefined {
  const extended = p['username*'];
  if (extended === undefined) return p.username;
  if (p.username !== undefined) return undefined;
  // ext-value = charset "'" [ language ] "'" value-chars; only UTF-8 is accepted.
  const m = /^UTF-8'[A-Za-z0-9-]*'((?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-Fa-f]{2})*)$/i.exec(extended);
  if (m === null) return undefined;
  try {
    return decodeURIComponent(m[1] ?? '');
  } catch {
    return undefined; // not UTF-8
  }
}

function hex(hash: string, text: string): string {
  return createHash(hash).update(text, 'utf8').digest('hex');
}

function sameHex(expected: string, presented: string): boolean {
  const want = Buffer.from(expected, 'latin1');
  const got = Buffer.from(presented.toLowerCase(), 'latin1');
  return want.length === got.length && timingSafeEqual(want, got);
}

const TIME_BYTES = 6;
const RANDOM_BYTES = 16;
const MAC_BYTES = 32;
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES;
/** 54 bytes are exactly 72 base64url characters: one spelling per nonce. */
const NONCE_SHAPE = /^[A-Za-z0-9_-]{72}$/;

/**
 * Issues nonces and remembers the nonce count of the used ones. A nonce enters the map only
 * after a verified response, so only authenticated clients fill it. Every nonce leaving the
 * map raises `forgottenUpTo` to its issue time: an untracked nonce issued at or before that
 * time is stale, so neither expiry (whatever the clock does) nor eviction re-opens a replay.
 */
class NonceBook {
  readonly #secret = randomBytes(32);
  readonly #used = new Map<string, { readonly issuedAt: number; count: number }>();
  #forgottenUpTo = -1;

  constructor(
    private readonly lifetimeMs: number,
    private readonly capacity: number,
    private readonly now: () => number,
  ) {}

  issue(): string {
    const nonce = Buffer.alloc(NONCE_BYTES);
    nonce.writeUIntBE(Math.max(0, Math.floor(this.now())), 0, TIME_BYTES);
    randomBytes(RANDOM_BYTES).copy(nonce, TIME_BYTES);
    this.#mac(nonce).copy(nonce, TIME_BYTES + RANDOM_BYTES);
    return nonce.toString('base64url');
  }

  /** The issue time of a nonce this book issued, or undefined (forged, foreign, mangled). */
  verify(text: string): number | undefined {
    if (!NONCE_SHAPE.test(text)) return undefined;
    const nonce = Buffer.from(text, 'base64url');
    if (nonce.length !== NONCE_BYTES) return undefined;
    const mac = nonce.subarray(TIME_BYTES + RANDOM_BYTES);
    return timingSafeEqual(mac, this.#mac(nonce)) ? nonce.readUIntBE(0, TIME_BYTES) : undefined;
  }

  /** Records a verified use of `nonce` with nonce count `count`. */
  use(nonce: string, issuedAt: number, count: number): 'ok' | 'stale' | 'replayed' {
    const now = this.now();
    if (now >= issuedAt + this.lifetimeMs) return 'stale';
    const entry = this.#used.get(nonce);
    if (entry !== undefined) {
      if (count <= entry.count) return 'replayed';
      entry.count = count;
      return 'ok';
    }
    if (issuedAt <= this.#forgottenUpTo) return 'stale';
    this.#makeRoom(now);
    this.#used.set(nonce, { issuedAt, count });
    return 'ok';
  }

  /** Drops expired entries from the front, then the oldest while the map is full. */
  #makeRoom(now: number): void {
    for (const [key, entry] of this.#used) {
      const expired = now >= entry.issuedAt + this.lifetimeMs;
      if (!expired && this.#used.size < this.capacity) break;
      this.#used.delete(key);
      this.#forgottenUpTo = Math.max(this.#forgottenUpTo, entry.issuedAt);
    }
  }

  #mac(nonce: Buffer): Buffer {
    return createHmac('sha256', this.#secret)
      .update(nonce.subarray(0, TIME_BYTES + RANDOM_BYTES))
      .digest();
  }
}
