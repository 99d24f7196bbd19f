/**
 * Finding the authorization server of an `oauth2` adapter: its metadata by RFC 8414
 * (`/.well-known/oauth-authorization-server`), else by OpenID Connect Discovery 1.0
 * (`/.well-known/openid-configuration`), and the bounded HTTP reads both this and the JWKS
 * resolver use. Only URLs derived from the declared `authorizationServerUri` are fetched here,
 * redirects are not followed, and every fetch has a timeout and a size cap.
 *
 * The metadata is trusted only when its `issuer` is the declared URI (RFC 8414 §3.3) and it names
 * a `jwks_uri` (no key set, no way to verify a token: discovery fails).
 */
import { NaftikoError } from '../../errors.js';
import { isLoopbackHost } from '../../spec/rules/ports.js';
import type { InboundAuthContext } from './inbound-auth.js';

export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly jwksUri: URL;
}

/** A reason discovery or a key-set fetch failed: safe to log (no credential in it). */
export class FetchFailure extends Error {
  override readonly name = 'FetchFailure';
}

/** Metadata and key sets are small; anything larger is not what we asked for. */
const MAX_BODY_BYTES = 512 * 1024;

/**
 * The declared `authorizationServerUri` as an issuer identifier (RFC 8414 §2: https, no query, no
 * fragment); plain http only on a loopback host. Anything else cannot be enforced safely.
 */
export function issuerUrl(value: string, ctx: InboundAuthContext): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const secure =
    url !== undefined &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)));
  const plain =
    url !== undefined && url.search === '' && url.username === '' && url.password === '';
  if (url === undefined || !secure || !plain || value.includes('#')) {
    throw new NaftikoError(
      'AUTH_UNENFORCEABLE',
      `${ctx.label}: oauth2 authorizationServerUri "${value}" must be an https URL without credentials, query or fragment (http only on a loopback host)`,
      { details: { field: 'authorizationServerUri' } },
    );
  }
  return url;
}

/**
 * Where the metadata may be, in the order tried: RFC 8414 §3.1 inserts the well-known segment
 * between the host and the issuer's path; OpenID Connect Discovery §4 appends it to the issuer
 * (the inserted form is tried first, as RFC 8414 §5 suggests for compatibility).
 */
export function metadataCandidates(issuer: URL): string[] {
  const path = issuer.pathname.replace(/\/$/, '');
  const candidates = [
    `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
    `${issuer.origin}/.well-known/openid-configuration${path}`,
    `${issuer.origin}${path}/.well-known/openid-configuration`,
  ];
  return [...new Set(candidates)];
}

/** The issuer without one trailing slash: the spelling both sides are compared in. */
export function withoutTrailingSlash(uri: string): string {
  return uri.endsWith('/') ? uri.slice(0, -1) : uri;
}

/**
 * Fetches the metadata: the first candidate that answers 200 with a JSON object wins, and is then
 * validated. A network failure or timeout stops at once (every candidate is on the same host).
 */
export async function discoverAuthorizationServer(
  declared: string,
  issuer: URL,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<AuthorizationServerMetadata> {
  const misses: string[] = [];
  for (const candidate of metadataCandidates(issuer)) {
    const outcome = await fetchJsonObject(candidate, timeoutMs, signal);
    if (outcome.kind === 'miss') {
      misses.push(`${new URL(candidate).pathname} (${outcome.why})`);
      continue;
    }
    return validateMetadata(declared, issuer, outcome.json);
  }
  throw new FetchFailure(`no metadata at ${misses.join(', ')}`);
}

function validateMetadata(
  declared: string,
  issuer: URL,
  json: Record<string, unknown>,
): AuthorizationServerMetadata {
  const found = json.issuer;
  if (typeof found !== 'string' || withoutTrailingSlash(found) !== withoutTrailingSlash(declared)) {
    const shown = typeof found === 'string' ? `"${found.slice(0, 200)}"` : 'missing';
    throw new FetchFailure(`the metadata issuer (${shown}) is not the declared URI`);
  }
  const jwks = json.jwks_uri;
  if (typeof jwks !== 'string') throw new FetchFailure('the metadata has no jwks_uri');
  let jwksUri: URL;
  try {
    jwksUri = new URL(jwks);
  } catch {
    throw new FetchFailure('the metadata jwks_uri is not an absolute URL');
  }
  // No downgrade: keys of an https issuer come over https; plain http stays on loopback.
  const allowed =
    jwksUri.protocol === 'https:' ||
    (jwksUri.protocol === 'http:' &&
      issuer.protocol === 'http:' &&
      isLoopbackHost(jwksUri.hostname));
  if (!allowed) throw new FetchFailure('the metadata jwks_uri is not an https URL');
  return { issuer: found, jwksUri };
}

type JsonOutcome =
  | { readonly kind: 'json'; readonly json: Record<string, unknown> }
  | { readonly kind: 'miss'; readonly why: string };

async function fetchJsonObject(
  url: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<JsonOutcome> {
  const deadline = withTimeout(signal, timeoutMs);
  try {
    const response = await boundedFetch(url, deadline.signal);
    if (response.status !== 200) {
      await response.body?.cancel();
      return { kind: 'miss', why: `HTTP ${response.status}` };
    }
    const text = await readCapped(response);
    try {
      const json: unknown = JSON.parse(text);
      if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
        return { kind: 'json', json: json as Record<string, unknown> };
      }
    } catch {
      // not JSON: the next candidate may answer
    }
    return { kind: 'miss', why: 'not a JSON object' };
  } finally {
    deadline.clear();
  }
}

/**
 * `signal`, or a timeout, whichever comes first. A timer held here, not `AbortSignal.timeout()`
 * inside `AbortSignal.any()`: Node 20 holds that one weakly, and once garbage-collected it never
 * fires (a discovery against a server that accepts and never answers would then hang).
 */
function withTimeout(signal: AbortSignal, ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('the request timed out', 'TimeoutError')),
    ms,
  );
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}

/** A GET that does not follow redirects; its failures become a FetchFailure with a short reason. */
export async function boundedFetch(
  url: string,
  signal: AbortSignal,
  headers?: Headers,
): Promise<Response> {
  try {
    return await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      signal,
      headers: headers ?? { accept: 'application/json' },
    });
  } catch (err) {
    throw new FetchFailure(failureReason(err, signal));
  }
}

/** Reads a body up to MAX_BODY_BYTES (the fetch's signal still bounds the time). */
export async function readCapped(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw new FetchFailure(`the response is larger than ${MAX_BODY_BYTES} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof FetchFailure) throw err;
    throw new FetchFailure(`the response could not be read (${failureReason(err)})`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function failureReason(err: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) {
    return (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError'
      ? 'timed out'
      : 'cancelled';
  }
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? `unreachable: ${cause.code}` : 'unreachable';
}
