/**
 * A stand-in OAuth 2.0 authorization server for tests: real node:http on 127.0.0.1, port 0.
 * It serves its metadata (RFC 8414, or only OpenID Connect Discovery) and a JWKS (RFC 7517) whose
 * keys can be added and removed (rotation), counts every fetch, mints JWT access tokens with
 * jose, and can be stopped (unreachable) and started again on the same port.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';

export type KeyAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface SigningKey {
  readonly kid: string | undefined;
  readonly alg: KeyAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface AuthorizationServerOptions {
  /** A path on the issuer (`/tenant`): the metadata is then at path-inserted URLs. */
  readonly issuerPath?: string;
  /**
   * Where the metadata is served: RFC 8414 (default), or only OpenID Connect Discovery, at the
   * path-inserted or the appended URL.
   */
  readonly metadata?: 'rfc8414' | 'oidc-inserted' | 'oidc-appended';
  /** Fields that replace (or, as `undefined`, remove) those of the served metadata. */
  readonly metadataPatch?: Readonly<Record<string, unknown>>;
  /** The first key's algorithm (RS256 by default). */
  readonly alg?: KeyAlgorithm;
}

export interface TestAuthorizationServer {
  /** `http://127.0.0.1:<port>` plus the issuer path, if any. */
  readonly issuer: string;
  readonly port: number;
  /** Every request path received, in order. */
  readonly requests: readonly string[];
  readonly jwksFetches: number;
  /** The keys published in the JWKS; the first is the default signer. */
  readonly keys: readonly SigningKey[];
  /** Generates a key and publishes it (a rotation), unless `publish` is false. */
  addKey(
    alg: KeyAlgorithm,
    options?: { kid?: string | null; publish?: boolean },
  ): Promise<SigningKey>;
  /** Stops publishing a key. */
  removeKey(key: SigningKey): void;
  /** Signs a token with `key` (the first published key by default). */
  mint(
    claims: JWTPayload,
    key?: SigningKey,
    header?: Readonly<Record<string, unknown>>,
  ): Promise<string>;
  /** Answers JWKS requests with this status and no key set (200, the default, serves the keys). */
  setJwksStatus(status: number): void;
  /** Closes the listener and every connection: the server is unreachable. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

let kidCounter = 0;

/**
 * The first key of every server, generated once per algorithm for the whole test file (RSA key
 * generation is slow); keys added later are always fresh.
 */
const firstKeys = new Map<KeyAlgorithm, Promise<SigningKey>>();

function firstKey(alg: KeyAlgorithm): Promise<SigningKey> {
  let key = firstKeys.get(alg);
  if (key === undefined) {
    key = (async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      const kid = `first-${alg.toLowerCase()}`;
      const publicJwk: JWK = { ...(await exportJWK(publicKey)), alg, use: 'sig', kid };
      return { kid, alg, privateKey, publicKey, publicJwk };
    })();
    firstKeys.set(alg, key);
  }
  return key;
}

export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<TestAuthorizationServer> {
  const published: SigningKey[] = [];
  const requests: string[] = [];
  let jwksFetches = 0;
  let jwksStatus = 200;
  let port = 0;
  const issuerPath = options.issuerPath ?? '';
  const origin = () => `http://127.0.0.1:${port}`;

  const metadataPaths = (): string[] => {
    switch (options.metadata ?? 'rfc8414') {
      case 'rfc8414':
        return [`/.well-known/oauth-authorization-server${issuerPath}`];
      case 'oidc-inserted':
        return [`/.well-known/openid-configuration${issuerPath}`];
      case 'oidc-appended':
        return [`${issuerPath}/.well-known/openid-configuration`];
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push(path);
    if (path === '/jwks') {
      jwksFetches += 1;
      if (jwksStatus !== 200) send(res, jwksStatus, { error: 'unavailable' });
      else send(res, 200, { keys: published.map((k) => k.publicJwk) });
      return;
    }
    if (metadataPaths().includes(path)) {
      const metadata: Record<string, unknown> = {
        issuer: `${origin()}${issuerPath}`,
        jwks_uri: `${origin()}/jwks`,
        token_endpoint: `${origin()}/token`,
        response_types_supported: ['code'],
        ...options.metadataPatch,
      };
      send(res, 200, metadata);
      return;
    }
    send(res, 404, { error: 'not_found' });
  };

  let server: Server = createServer(handle);
  const listen = (wanted: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wanted, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen(0);

  const addKey: TestAuthorizationServer['addKey'] = async (alg, keyOptions = {}) => {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const kid = keyOptions.kid === null ? undefined : (keyOptions.kid ?? `key-${++kidCounter}`);
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), alg, use: 'sig' };
    if (kid !== undefined) publicJwk.kid = kid;
    const key: SigningKey = { kid, alg, privateKey, publicKey, publicJwk };
    if (keyOptions.publish !== false) published.push(key);
    return key;
  };
  published.push(await firstKey(options.alg ?? 'RS256'));

  return {
    get issuer() {
      return `${origin()}${issuerPath}`;
    },
    get port() {
      return port;
    },
    requests,
    get jwksFetches() {
      return jwksFetches;
    },
    keys: published,
    addKey,
    removeKey(key) {
      const index = published.indexOf(key);
      if (index >= 0) published.splice(index, 1);
    },
    async mint(claims, key = published[0], header = {}) {
      if (key === undefined) throw new Error('no signing key');
      return new SignJWT(claims)
        .setProtectedHeader({
          alg: key.alg,
          ...(key.kid !== undefined ? { kid: key.kid } : {}),
          ...header,
        })
        .sign(key.privateKey);
    },
    setJwksStatus(status) {
      jwksStatus = status;
    },
    async stop() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    async start() {
      if (server.listening) return;
      server = createServer(handle);
      await listen(port);
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
