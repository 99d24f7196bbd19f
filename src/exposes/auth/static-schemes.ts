/**
 * The schemes whose expected credential is a fixed secret from the bindings:
 * - bearer: `Authorization: Bearer <token>` (RFC 6750 §2.1); a refusal says `invalid_token` when
 *   a token was presented, nothing when none was (RFC 6750 §3.1).
 * - apikey: a header (default) or query parameter named `key` (default `X-API-Key` / `api_key`,
 *   as on the consumes side); the query form is never passed on upstream.
 * - basic: RFC 7617, UTF-8 `user:password`, challenge `Basic realm="…", charset="UTF-8"`.
 * Every comparison is constant-time (constant-time.ts).
 */
import { defaultApiKeyName } from '../../consumes/http/auth.js';
import type { AuthApiKey, AuthBasic, AuthBearer } from '../../spec/types.js';
import { secretMatcher } from './constant-time.js';
import { expectedCredential } from './credentials.js';
import { ALLOWED, quoted, refuse } from './inbound-auth.js';
import type { AuthRequest, InboundAuthContext, InboundAuthenticator } from './inbound-auth.js';

export function compileStaticScheme(
  auth: AuthBearer | AuthApiKey | AuthBasic,
  ctx: InboundAuthContext,
): InboundAuthenticator {
  switch (auth.type) {
    case 'bearer':
      return bearer(auth, ctx);
    case 'apikey':
      return apiKey(auth, ctx);
    case 'basic':
      return basic(auth, ctx);
  }
}

/** The credentials of an `Authorization` header of this scheme (case-insensitive), if any. */
export function authorizationOf(request: AuthRequest, scheme: string): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== scheme) return undefined;
  return header.slice(space + 1).trim();
}

function bearer(auth: AuthBearer, ctx: InboundAuthContext): InboundAuthenticator {
  const matches = secretMatcher(expectedCredential(auth.token, 'token', ctx));
  const realm = `Bearer realm=${quoted(ctx.realm)}`;
  const missing = refuse(
    401,
    'AUTH_REQUIRED',
    [realm],
    'no bearer token',
    'a bearer token is required',
  );
  const wrong = refuse(
    401,
    'AUTH_INVALID',
    [`${realm}, error="invalid_token"`],
    'wrong bearer token',
    'the bearer token is not valid',
  );
  return {
    scheme: 'bearer',
    publicDocuments: [],
    credentialQueryParameters: [],
    check(request) {
      const token = authorizationOf(request, 'bearer');
      if (token === undefined || token === '') return missing;
      return matches(token) ? ALLOWED : wrong;
    },
  };
}

function apiKey(auth: AuthApiKey, ctx: InboundAuthContext): InboundAuthenticator {
  const inQuery = auth.placement === 'query';
  const name =
    auth.key === undefined
      ? defaultApiKeyName(auth.placement)
      : expectedCredential(auth.key, 'key', ctx);
  const matches = secretMatcher(expectedCredential(auth.value, 'value', ctx));
  const where = inQuery ? 'query parameter' : 'header';
  const challenge = `ApiKey realm=${quoted(ctx.realm)}, in="${inQuery ? 'query' : 'header'}", name=${quoted(name)}`;
  const missing = refuse(
    401,
    'AUTH_REQUIRED',
    [challenge],
    `no API key ${where}`,
    `an API key is required in the ${name} ${where}`,
  );
  const wrong = refuse(
    401,
    'AUTH_INVALID',
    [challenge],
    'wrong API key',
    `the API key in the ${name} ${where} is not valid`,
  );
  const headerName = name.toLowerCase();
  const read = inQuery
    ? (request: AuthRequest) => queryValue(request.url, name)
    : (request: AuthRequest) => {
        const value = request.headers[headerName];
        return Array.isArray(value) ? value[0] : value;
      };
  return {
    scheme: 'apikey',
    publicDocuments: [],
    credentialQueryParameters: inQuery ? [name] : [],
    check(request) {
      const presented = read(request);
      if (presented === undefined || presented === '') return missing;
      return matches(presented) ? ALLOWED : wrong;
    },
  };
}

function queryValue(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get(name) ?? undefined;
}

function basic(auth: AuthBasic, ctx: InboundAuthContext): InboundAuthenticator {
  const userMatches = secretMatcher(expectedCredential(auth.username, 'username', ctx));
  const passwordMatches = secretMatcher(expectedCredential(auth.password, 'password', ctx));
  const challenge = `Basic realm=${quoted(ctx.realm)}, charset="UTF-8"`;
  const missing = refuse(
    401,
    'AUTH_REQUIRED',
    [challenge],
    'no basic credentials',
    'a user name and password are required (HTTP Basic)',
  );
  const wrong = refuse(
    401,
    'AUTH_INVALID',
    [challenge],
    'wrong user name or password',
    'the user name or password is not valid',
  );
  return {
    scheme: 'basic',
    publicDocuments: [],
    credentialQueryParameters: [],
    check(request) {
      const encoded = authorizationOf(request, 'basic');
      if (encoded === undefined || encoded === '') return missing;
      const pair = Buffer.from(encoded, 'base64').toString('utf8');
      const colon = pair.indexOf(':');
      if (colon < 0) return wrong;
      // Both halves are always compared: which one was wrong does not show in the time taken.
      const user = userMatches(pair.slice(0, colon));
      const password = passwordMatches(pair.slice(colon + 1));
      return user && password ? ALLOWED : wrong;
    },
  };
}
