/**
 * A Digest-protecting upstream handler (RFC 7616), written independently of the client code:
 * it challenges requests without a valid `Authorization: Digest`, and answers 200 when the
 * client's response matches what it computes from the known password.
 */
import { createHash } from 'node:crypto';
import type { Handler } from './upstream.js';

export interface DigestServerOptions {
  readonly username: string;
  readonly password: string;
  /** The algorithm(s) offered, one challenge each, e.g. ['MD5', 'SHA-256']. */
  readonly algorithms: readonly string[];
  readonly realm?: string;
}

export function digestHandler(options: DigestServerOptions): Handler & { verified: number } {
  const realm = options.realm ?? 'api@example.test';
  const nonce = 'dcd98b7102dd2f0e8b11d0f600bfb0c093';
  const opaque = '5ccc069c403ebaf9f0171e9517f40e41';
  const state = { verified: 0 };
  const handler: Handler = (req, res) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Digest ') && valid(auth.slice(7), req.method)) {
      state.verified++;
      res.setHeader('content-type', 'application/json');
      res.end('{"authorized":true}');
      return;
    }
    res.statusCode = 401;
    res.setHeader(
      'www-authenticate',
      options.algorithms.map(
        (a) =>
          `Digest realm="${realm}", qop="auth, auth-int", algorithm=${a}, nonce="${nonce}", opaque="${opaque}"`,
      ),
    );
    res.end('unauthorized');
  };
  function valid(header: string, method: string): boolean {
    const p: Record<string, string> = {};
    for (const m of header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g))
      p[m[1] as string] = m[2] ?? m[3] ?? '';
    const alg = p.algorithm ?? 'MD5';
    const hash = alg.startsWith('SHA-256') ? 'sha256' : 'md5';
    const h = (s: string) => createHash(hash).update(s).digest('hex');
    let ha1 = h(`${options.username}:${realm}:${options.password}`);
    if (alg.endsWith('-sess')) ha1 = h(`${ha1}:${nonce}:${p.cnonce}`);
    const ha2 = h(`${method}:${p.uri}`);
    const expected = h(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
    return (
      p.username === options.username &&
      p.realm === realm &&
      p.nonce === nonce &&
      p.opaque === opaque &&
      p.qop === 'auth' &&
      options.algorithms.includes(alg) &&
      p.response === expected
    );
  }
  return Object.defineProperty(handler, 'verified', { get: () => state.verified }) as Handler & {
    verified: number;
  };
}
