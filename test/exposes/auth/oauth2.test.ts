/**
 * The `oauth2` resource-server authenticator (RFC 6750, RFC 9068, RFC 8414, RFC 9728), checked
 * directly against a real authorization-server stand-in on loopback (helpers/), with tokens minted
 * by jose: every accepted and refused case, discovery and its retries, key rotation and the JWKS
 * refetch limit, and the protected-resource metadata.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT, exportJWK, exportSPKI } from 'jose';
import type { JWTPayload } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { NaftikoError } from '../../../src/errors.js';
import type {
  AuthOutcome,
  AuthRefusal,
  AuthRequest,
  InboundAuthContext,
  InboundAuthenticator,
} from '../../../src/exposes/auth/inbound-auth.js';
import { compileOAuth2 } from '../../../src/exposes/auth/oauth2.js';
import type { OAuth2Options } from '../../../src/exposes/auth/oauth2.js';
import type { AuthOAuth2 } from '../../../src/spec/types.js';
import { startUpstream } from '../../consumes/http/helpers/upstream.js';
import type { Upstream } from '../../consumes/http/helpers/upstream.js';
import { yaml } from '../../helpers/validate.js';
import { startAuthorizationServer } from './helpers/authorization-server.js';
import type {
  AuthorizationServerOptions,
  SigningKey,
  TestAuthorizationServer,
} from './helpers/authorization-server.js';
import { closeServed, serve } from './helpers/serve.js';

const RESOURCE = 'https://api.example.test/mcp';
const METADATA_URL = 'https://api.example.test/.well-known/oauth-protected-resource/mcp';
const REALM = 'shipyard-tools';
const LABEL = 'MCP adapter "shipyard-tools"';

const servers: TestAuthorizationServer[] = [];
const authenticators: InboundAuthenticator[] = [];
let warnings: { event: string; message: string }[] = [];
let stopSilent: (() => Promise<unknown>) | undefined;

const upstreams: Upstream[] = [];

afterEach(async () => {
  await closeServed();
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
  await Promise.all(authenticators.splice(0).map((a) => a.close?.()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await stopSilent?.();
  stopSilent = undefined;
  warnings = [];
});

async function authorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<TestAuthorizationServer> {
  const server = await startAuthorizationServer(options);
  servers.push(server);
  return server;
}

const context: InboundAuthContext = {
  variables: () => undefined,
  label: LABEL,
  realm: REALM,
  warn: (event, message) => warnings.push({ event, message }),
};

async function compile(
  as: TestAuthorizationServer | string,
  auth: Partial<AuthOAuth2> = {},
  options: OAuth2Options = {},
): Promise<InboundAuthenticator> {
  const authenticator = await compileOAuth2(
    {
      type: 'oauth2',
      authorizationServerUri: typeof as === 'string' ? as : as.issuer,
      resource: RESOURCE,
      scopes: ['tools:read'],
      ...auth,
    },
    context,
    { discoveryRetryMs: 300, ...options },
  );
  authenticators.push(authenticator);
  return authenticator;
}

function request(token?: string, authorization = token && `Bearer ${token}`): AuthRequest {
  return {
    method: 'POST',
    url: '/mcp',
    headers: authorization ? { authorization } : {},
    remoteAddress: '127.0.0.1',
  };
}

const now = () => Math.floor(Date.now() / 1000);

function claims(as: TestAuthorizationServer, overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: as.issuer,
    aud: RESOURCE,
    sub: 'captain',
    scope: 'tools:read',
    iat: now(),
    exp: now() + 300,
    ...overrides,
  };
}

function without(payload: JWTPayload, name: string): JWTPayload {
  const copy = { ...payload };
  delete copy[name];
  return copy;
}

async function check(authenticator: InboundAuthenticator, token?: string): Promise<AuthOutcome> {
  return authenticator.check(request(token));
}

function refusal(outcome: AuthOutcome): AuthRefusal {
  if (outcome.ok) throw new Error('expected a refusal, the request was allowed');
  return outcome;
}

/** Asserts a 401 invalid_token with this log reason, and that nothing of the token shows. */
async function expectInvalid(
  authenticator: InboundAuthenticator,
  token: string,
  reason: string,
): Promise<AuthRefusal> {
  const outcome = refusal(await check(authenticator, token));
  expect(outcome).toMatchObject({ status: 401, code: 'AUTH_INVALID', reason });
  expect(outcome.challenges).toHaveLength(1);
  expect(outcome.challenges[0]).toMatch(
    new RegExp(
      `^Bearer realm="${REALM}", error="invalid_token", error_description="[^"]+", resource_metadata="${METADATA_URL}"$`,
    ),
  );
  const shown = JSON.stringify(outcome);
  for (const segment of token.split('.').filter((s) => s.length > 8)) {
    expect(shown).not.toContain(segment);
  }
  return outcome;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('oauth2: accepted tokens', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts a valid %s token', async (alg) => {
    const as = await authorizationServer({ alg });
    const authenticator = await compile(as);
    expect(await check(authenticator, await as.mint(claims(as)))).toMatchObject({ ok: true });
  });

  it('names the principal (issuer and subject), to which MCP sessions are bound', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    expect(await check(authenticator, await as.mint(claims(as)))).toEqual({
      ok: true,
      principal: `${as.issuer} captain`,
    });
  });

  it('refuses a token that is not a JWS at once, without discovery', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    expect(await check(authenticator, 'not-a-jwt')).toMatchObject({
      status: 401,
      reason: 'malformed token',
    });
    expect(as.requests).toEqual([]);
  });

  it('accepts exp and nbf within the 30 s clock tolerance', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    const late = await as.mint(claims(as, { exp: now() - 10 }));
    const early = await as.mint(claims(as, { nbf: now() + 10 }));
    expect(await check(authenticator, late)).toMatchObject({ ok: true });
    expect(await check(authenticator, early)).toMatchObject({ ok: true });
  });

  it('accepts an aud array containing the resource, and the issuer with a trailing slash', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    const token = await as.mint(claims(as, { aud: ['other', RESOURCE], iss: `${as.issuer}/` }));
    expect(await check(authenticator, token)).toMatchObject({ ok: true });
  });

  it('reads scopes from scp as an array or a string', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as, { scopes: ['tools:read', 'tools:write'] });
    const asArray = without(claims(as, { scp: ['tools:write', 'tools:read'] }), 'scope');
    const asString = without(claims(as, { scp: 'tools:read tools:write' }), 'scope');
    expect(await check(authenticator, await as.mint(asArray))).toMatchObject({ ok: true });
    expect(await check(authenticator, await as.mint(asString))).toMatchObject({ ok: true });
  });

  it('checks the declared audience instead of the resource when there is one', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as, { audience: 'api://shipyard' });
    const right = await as.mint(claims(as, { aud: 'api://shipyard' }));
    expect(await check(authenticator, right)).toMatchObject({ ok: true });
    await expectInvalid(authenticator, await as.mint(claims(as)), 'wrong audience');
  });

  it('tries each key when several match a token without kid', async () => {
    const as = await authorizationServer();
    for (const key of [...as.keys]) as.removeKey(key);
    await as.addKey('RS256', { kid: null });
    const second = await as.addKey('RS256', { kid: null });
    const authenticator = await compile(as);
    expect(await check(authenticator, await as.mint(claims(as), second))).toMatchObject({
      ok: true,
    });
  });
});

describe('oauth2: refusals', () => {
  it('asks for a token with the resource metadata and the scopes, and fetches nothing', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as, { scopes: ['tools:read', 'tools:write'] });
    for (const outcome of [
      await check(authenticator),
      await authenticator.check(request(undefined, 'Basic Y2FwdGFpbjpodW50ZXIy')),
      await authenticator.check(request(undefined, 'Bearer ')),
    ]) {
      expect(refusal(outcome)).toEqual({
        ok: false,
        status: 401,
        code: 'AUTH_REQUIRED',
        challenges: [
          `Bearer realm="${REALM}", scope="tools:read tools:write", resource_metadata="${METADATA_URL}"`,
        ],
        reason: 'no bearer token',
        detail: 'a bearer access token is required',
      });
    }
    expect(as.requests).toEqual([]);
  });

  it('refuses an expired token', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    const outcome = await expectInvalid(
      authenticator,
      await as.mint(claims(as, { exp: now() - 120 })),
      'token expired',
    );
    expect(outcome.challenges[0]).toContain('error_description="the token has expired"');
  });

  it('refuses a token that is not valid yet', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    const token = await as.mint(claims(as, { nbf: now() + 120 }));
    await expectInvalid(authenticator, token, 'token not yet valid');
  });

  it('refuses a token without exp', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    await expectInvalid(authenticator, await as.mint(without(claims(as), 'exp')), 'no expiry');
  });

  it('refuses a wrong or missing issuer', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    const other = await as.mint(claims(as, { iss: 'https://evil.example.test' }));
    await expectInvalid(authenticator, other, 'wrong issuer');
    await expectInvalid(authenticator, await as.mint(without(claims(as), 'iss')), 'wrong issuer');
  });

  it('refuses a wrong audience, and a token without aud', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    const wrong = await as.mint(claims(as, { aud: 'https://api.example.test/other' }));
    await expectInvalid(authenticator, wrong, 'wrong audience');
    await expectInvalid(authenticator, await as.mint(without(claims(as), 'aud')), 'no audience');
  });

  it('refuses a missing scope with 403 insufficient_scope (RFC 6750 §3.1)', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as, { scopes: ['tools:read', 'tools:write'] });
    const outcome = refusal(await check(authenticator, await as.mint(claims(as))));
    expect(outcome).toMatchObject({ status: 403, code: 'AUTH_FORBIDDEN' });
    expect(outcome.challenges).toEqual([
      `Bearer realm="${REALM}", error="insufficient_scope", scope="tools:read tools:write", resource_metadata="${METADATA_URL}"`,
    ]);
    const noScope = await as.mint(without(claims(as), 'scope'));
    expect(refusal(await check(authenticator, noScope)).status).toBe(403);
  });

  it('refuses a tampered payload and a signature by an unpublished key', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    const [header, , signature] = (await as.mint(claims(as))).split('.');
    const tampered = `${header}.${base64url(claims(as, { sub: 'admiral' }))}.${signature}`;
    await expectInvalid(authenticator, tampered, 'bad signature');
    const stranger = await as.addKey('RS256', { kid: as.keys[0]?.kid ?? null, publish: false });
    await expectInvalid(authenticator, await as.mint(claims(as), stranger), 'bad signature');
  });

  it('refuses malformed tokens', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    await expectInvalid(authenticator, 'not-a-jwt', 'malformed token');
    await expectInvalid(authenticator, 'abc.def.ghi', 'malformed token');
  });

  it('refuses alg "none"', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    for (const header of [
      { alg: 'none', typ: 'JWT' },
      { alg: 'none', kid: as.keys[0]?.kid },
    ]) {
      const unsigned = `${base64url(header)}.${base64url(claims(as))}.`;
      await expectInvalid(authenticator, unsigned, 'algorithm not allowed');
    }
  });

  it('refuses HS256 tokens whose HMAC secret is the public key (PEM or JWK)', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    const key = as.keys[0];
    if (key === undefined) throw new Error('no key');
    const secrets = [
      await exportSPKI(key.publicKey),
      JSON.stringify(key.publicJwk),
      JSON.stringify(await exportJWK(key.publicKey)),
    ];
    for (const secret of secrets) {
      const forged = await new SignJWT(claims(as))
        .setProtectedHeader({ alg: 'HS256', kid: key.kid })
        .sign(new TextEncoder().encode(secret));
      await expectInvalid(authenticator, forged, 'algorithm not allowed');
    }
  });
});

describe('oauth2: key set', () => {
  it('refuses an unknown kid within the cooldown (30 s by default)', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    expect(await check(authenticator, await as.mint(claims(as)))).toMatchObject({ ok: true });
    expect(as.jwksFetches).toBe(1);
    const rotated = await as.addKey('RS256');
    await expectInvalid(authenticator, await as.mint(claims(as), rotated), 'unknown signing key');
    expect(as.jwksFetches).toBe(1);
  });

  it('accepts a rotated key once the cooldown has passed', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as, {}, { jwksCooldownMs: 100 });
    expect(await check(authenticator, await as.mint(claims(as)))).toMatchObject({ ok: true });
    expect(as.jwksFetches).toBe(1);
    const rotated = await as.addKey('ES256');
    as.removeKey(as.keys[0] as SigningKey);
    await sleep(150);
    expect(await check(authenticator, await as.mint(claims(as), rotated))).toMatchObject({
      ok: true,
    });
    expect(as.jwksFetches).toBe(2);
  });

  it('refetches the key set at most once per cooldown under a flood of unknown kids', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as, {}, { jwksCooldownMs: 800 });
    const stranger = await as.addKey('RS256', { publish: false });
    const tokens = await Promise.all(
      Array.from({ length: 25 }, (_, i) => as.mint(claims(as), stranger, { kid: `unknown-${i}` })),
    );
    const flood = async () => {
      const outcomes = await Promise.all(tokens.map((token) => check(authenticator, token)));
      return new Set(outcomes.map((outcome) => refusal(outcome).reason));
    };
    expect(await check(authenticator, await as.mint(claims(as)))).toMatchObject({ ok: true });
    expect(as.jwksFetches).toBe(1);
    expect(await flood()).toEqual(new Set(['unknown signing key']));
    expect(as.jwksFetches).toBe(1);
    await sleep(850);
    expect(await flood()).toEqual(new Set(['unknown signing key']));
    expect(await flood()).toEqual(new Set(['unknown signing key']));
    expect(as.jwksFetches).toBe(2);
  });

  it('answers 503 when the key set cannot be fetched, without retrying at once', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as, {}, { discoveryRetryMs: 1_000 });
    const token = await as.mint(claims(as));
    as.setJwksStatus(500);
    for (let i = 0; i < 3; i++) {
      const outcome = refusal(await check(authenticator, token));
      expect(outcome).toMatchObject({
        status: 503,
        code: 'AUTH_UNAVAILABLE',
        challenges: [],
        reason: 'signing keys unavailable',
      });
      expect(outcome.retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect(as.jwksFetches).toBe(1);
    expect(warnings.map((w) => w.event)).toEqual(['auth.jwks.failed']);
    expect(warnings[0]?.message).toContain('HTTP 500');
    as.setJwksStatus(200);
    await sleep(1_050);
    expect(await check(authenticator, token)).toMatchObject({ ok: true });
  });
});

describe('oauth2: discovery', () => {
  it('fails closed with 503 while the authorization server is down, then recovers', async () => {
    const as = await authorizationServer();
    const token = await as.mint(claims(as));
    await as.stop();
    const authenticator = await compile(as, {}, { discoveryRetryMs: 1_000 });
    authenticator.warmUp?.();
    await expect.poll(() => warnings.length).toBe(1);
    expect(warnings[0]?.event).toBe('auth.discovery.failed');
    expect(warnings[0]?.message).toContain(as.issuer);
    expect(warnings[0]?.message).toContain('unreachable');

    const outcome = refusal(await check(authenticator, token));
    expect(outcome).toMatchObject({
      status: 503,
      code: 'AUTH_UNAVAILABLE',
      challenges: [],
      reason: 'authorization server unreachable',
    });
    expect(outcome.retryAfter).toBeGreaterThanOrEqual(1);

    await as.start();
    // Within the retry window no new attempt goes out: still refused, nothing fetched.
    expect(refusal(await check(authenticator, token)).status).toBe(503);
    expect(as.requests).toEqual([]);
    await sleep(1_050);
    expect(await check(authenticator, token)).toMatchObject({ ok: true });
    expect(warnings).toHaveLength(1);
  });

  it('finds RFC 8414 metadata at the path-inserted URL of an issuer with a path', async () => {
    const as = await authorizationServer({ issuerPath: '/tenant' });
    const authenticator = await compile(as);
    expect(await check(authenticator, await as.mint(claims(as)))).toMatchObject({ ok: true });
    expect(as.requests).toEqual(['/.well-known/oauth-authorization-server/tenant', '/jwks']);
  });

  it.each([
    ['oidc-inserted', ['/.well-known/openid-configuration/tenant']],
    [
      'oidc-appended',
      ['/.well-known/openid-configuration/tenant', '/tenant/.well-known/openid-configuration'],
    ],
  ] as const)('falls back to OpenID Connect discovery (%s)', async (metadata, tried) => {
    const as = await authorizationServer({ issuerPath: '/tenant', metadata });
    const authenticator = await compile(as);
    expect(await check(authenticator, await as.mint(claims(as)))).toMatchObject({ ok: true });
    expect(as.requests).toEqual([
      '/.well-known/oauth-authorization-server/tenant',
      ...tried,
      '/jwks',
    ]);
  });

  it('works with OpenID Connect discovery on an issuer without a path', async () => {
    const as = await authorizationServer({ metadata: 'oidc-inserted' });
    const authenticator = await compile(as);
    expect(await check(authenticator, await as.mint(claims(as)))).toMatchObject({ ok: true });
  });

  it.each([
    [{ issuer: 'https://evil.example.test' }, 'issuer'],
    [{ jwks_uri: undefined }, 'jwks_uri'],
    [{ jwks_uri: 'http://keys.example.test/jwks' }, 'jwks_uri'],
  ])('rejects metadata %j', async (metadataPatch, named) => {
    const as = await authorizationServer({ metadataPatch });
    const authenticator = await compile(as);
    authenticator.warmUp?.();
    await expect.poll(() => warnings.length).toBe(1);
    expect(warnings[0]?.message).toContain(named);
    const outcome = refusal(await check(authenticator, await as.mint(claims(as))));
    expect(outcome).toMatchObject({ status: 503, code: 'AUTH_UNAVAILABLE' });
  });

  it('times out a silent authorization server, and close() cancels a pending discovery', async () => {
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    stopSilent = async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    };
    const issuer = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const timed = await compile(issuer, {}, { fetchTimeoutMs: 200 });
    const started = Date.now();
    const outcome = refusal(await check(timed, 'a.b.c'));
    expect(outcome).toMatchObject({ status: 503, code: 'AUTH_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('timed out')]);

    const cancelled = await compile(issuer, {}, { fetchTimeoutMs: 10_000 });
    cancelled.warmUp?.();
    await sleep(50);
    const closing = Date.now();
    await cancelled.close?.();
    expect(Date.now() - closing).toBeLessThan(1_000);
    expect(warnings).toHaveLength(1);
  });

  it('warms up: metadata and keys are fetched before the first request', async () => {
    const as = await authorizationServer();
    const authenticator = await compile(as);
    authenticator.warmUp?.();
    await expect.poll(() => as.jwksFetches).toBe(1);
    expect(await check(authenticator, await as.mint(claims(as)))).toMatchObject({ ok: true });
    expect(as.requests).toEqual(['/.well-known/oauth-authorization-server', '/jwks']);
  });
});

describe('oauth2: compile time', () => {
  it('refuses token introspection (no client credentials in alpha2)', async () => {
    const attempt = compile('https://as.example.test', { tokenValidation: 'introspection' });
    await expect(attempt).rejects.toBeInstanceOf(NaftikoError);
    await expect(attempt).rejects.toMatchObject({ code: 'AUTH_UNENFORCEABLE' });
    await expect(attempt).rejects.toThrow(LABEL);
  });

  it.each([
    ['http://as.example.test', 'authorizationServerUri'],
    ['https://as.example.test/?tenant=1', 'authorizationServerUri'],
    ['not a url', 'authorizationServerUri'],
  ])('refuses authorizationServerUri %s', async (uri, field) => {
    await expect(compile(uri)).rejects.toMatchObject({
      code: 'AUTH_UNENFORCEABLE',
      details: { field },
    });
  });

  it('refuses a resource that is not an absolute URL, and a scope with a space', async () => {
    const as = 'https://as.example.test';
    await expect(compile(as, { resource: '/mcp' })).rejects.toMatchObject({
      code: 'AUTH_UNENFORCEABLE',
    });
    await expect(compile(as, { scopes: ['tools read'] })).rejects.toMatchObject({
      code: 'AUTH_UNENFORCEABLE',
    });
  });

  it('allows plain http on loopback authorization servers', async () => {
    for (const uri of ['http://localhost:9000', 'http://127.0.0.2:9000/t', 'http://[::1]:9000']) {
      const authenticator = await compile(uri);
      expect(authenticator.scheme).toBe('oauth2');
      expect(authenticator.credentialQueryParameters).toEqual([]);
    }
  });
});

describe('oauth2: protected-resource metadata (RFC 9728)', () => {
  it('serves the metadata at the plain and the path-suffixed well-known paths', async () => {
    const authenticator = await compile('https://as.example.test', {
      scopes: ['tools:read', 'tools:write'],
    });
    expect(authenticator.publicDocuments).toHaveLength(1);
    const [document] = authenticator.publicDocuments;
    expect(document?.paths).toEqual([
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]);
    expect(document?.contentType).toBe('application/json');
    expect(JSON.parse(document?.body ?? '')).toEqual({
      resource: RESOURCE,
      authorization_servers: ['https://as.example.test'],
      scopes_supported: ['tools:read', 'tools:write'],
      bearer_methods_supported: ['header'],
      resource_name: REALM,
    });
  });

  it('uses the plain path for a resource without a path, and no scope when none is declared', async () => {
    const authenticator = await compile('https://as.example.test', {
      resource: 'https://api.example.test/',
      scopes: [],
    });
    const [document] = authenticator.publicDocuments;
    expect(document?.paths).toEqual(['/.well-known/oauth-protected-resource']);
    expect(JSON.parse(document?.body ?? '')).not.toHaveProperty('scopes_supported');
    expect(refusal(await check(authenticator)).challenges).toEqual([
      `Bearer realm="${REALM}", resource_metadata="https://api.example.test/.well-known/oauth-protected-resource"`,
    ]);
  });
});

describe('oauth2: lazy loading', () => {
  it('imports jose only from the oauth2 modules', () => {
    const root = fileURLToPath(new URL('../../../src/', import.meta.url));
    const importers = (readdirSync(root, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /from ['"]jose['"]/.test(readFileSync(path.join(root, file), 'utf8')))
      .map((file) => path.basename(file));
    expect(importers.sort()).toEqual(['oauth2-verify.ts']);
  });
});

describe('oauth2 through a REST adapter (real HTTP)', () => {
  const API = 'https://api.example.test/items-api';

  it('guards every route, serves the metadata openly, and lets a valid token through', async () => {
    const as = await authorizationServer();
    const up = await startUpstream();
    upstreams.push(up);
    const served = await serve(
      yaml`
        naftiko: 1.0.0-alpha2
        info:
          label: Locked by OAuth
          description: A REST adapter behind an OAuth 2.0 authorization server.
        capability:
          consumes:
            - type: http
              namespace: up
              description: The upstream.
              baseUri: http://up.invalid
              resources:
                - name: items
                  path: /items
                  operations:
                    - name: list-items
                      method: GET
          exposes:
            - type: rest
              namespace: items-api
              port: 8080
              authentication:
                type: oauth2
                authorizationServerUri: "${as.issuer}"
                resource: "${API}"
                scopes: [items:read]
              resources:
                - path: /items
                  name: items
                  description: Items.
                  operations:
                    - method: GET
                      name: list-items
                      call: up.list-items
      `,
      { upstreams: { up } },
    );
    const base = served.urls.get('items-api') as string;
    const get = (path: string, token?: string) =>
      fetch(new URL(path, base), { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const valid = claims(as, { aud: API, scope: 'items:read' });
    const metadataUrl = 'https://api.example.test/.well-known/oauth-protected-resource/items-api';

    const missing = await get('/items');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer realm="items-api", scope="items:read", resource_metadata="${metadataUrl}"`,
    );
    expect(await missing.json()).toMatchObject({ code: 'AUTH_REQUIRED', status: 401 });

    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/items-api',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toMatchObject({ resource: API, authorization_servers: [as.issuer] });
    }

    const expired = await get('/items', await as.mint({ ...valid, exp: now() - 120 }));
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const narrow = await get('/items', await as.mint({ ...valid, scope: 'items:list' }));
    expect(narrow.status).toBe(403);
    expect(narrow.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(up.requests).toHaveLength(0);

    const ok = await get('/items', await as.mint(valid));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]?.headers.authorization).toBeUndefined();
    expect(served.refusals.map((r) => [r.status, r.reason])).toEqual([
      [401, 'no bearer token'],
      [401, 'token expired'],
      [403, 'insufficient scope'],
    ]);
  });
});
