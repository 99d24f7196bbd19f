/**
 * HTTP Digest, server side (RFC 7616): challenges (§3.3, §3.7), verification of the response
 * (§3.4.1–§3.4.3) and the request-target (§3.4.6), nonces that cannot be forged, expire with
 * `stale=true` and cannot be replayed beyond their count (§5.3), `username*` (RFC 8187); then
 * through real HTTP: the engine's own digest client and `curl --digest` against a protected
 * REST adapter, with nothing reaching the upstream for a refused request.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  answerDigest,
  digestAuthorization,
  parseChallenges,
} from '../../../src/consumes/http/digest-auth.js';
import type { Challenge } from '../../../src/consumes/http/digest-auth.js';
import { createRuntime } from '../../../src/engine/runtime.js';
import { compileDigest } from '../../../src/exposes/auth/digest.js';
import type { DigestOptions } from '../../../src/exposes/auth/digest.js';
import type {
  AuthOutcome,
  AuthRefusal,
  AuthRequest,
  InboundAuthContext,
} from '../../../src/exposes/auth/inbound-auth.js';
import { startRestAdapter } from '../../../src/exposes/rest/rest-adapter.js';
import type { AuthDigest, ExposesRest } from '../../../src/spec/types.js';
import { createValidator } from '../../../src/spec/validate.js';
import { startUpstream } from '../../consumes/http/helpers/upstream.js';
import { body, closeRestApps, restApp, yaml } from '../../helpers/rest-app.js';

const USER = 'ann';
const PASS = 'pa:ss w0rd';
const REALM = 'stock-api';
const AUTH: AuthDigest = { type: 'digest', username: USER, password: PASS };

function context(variables: Record<string, string> = {}): InboundAuthContext {
  return { variables: (name) => variables[name], label: 'REST adapter "stock-api"', realm: REALM };
}

/** An authenticator on a clock the test moves (`clock.t`, milliseconds). */
function digest(options: DigestOptions = {}, auth: AuthDigest = AUTH) {
  const clock = { t: 1_700_000_000_000 };
  const authenticator = compileDigest(auth, context(), { now: () => clock.t, ...options });
  const check = (request: AuthRequest) => authenticator.check(request) as AuthOutcome;
  return { authenticator, check, clock };
}

function request(url: string, authorization?: string, method = 'GET'): AuthRequest {
  return {
    method,
    url,
    headers: authorization === undefined ? {} : { authorization },
    remoteAddress: '127.0.0.1',
  };
}

function refused(outcome: AuthOutcome): AuthRefusal {
  if (outcome.ok) throw new Error('expected a refusal');
  return outcome;
}

/** The challenges of a refusal, parsed: [SHA-256, MD5]. */
function challengesOf(outcome: AuthOutcome): Challenge[] {
  return refused(outcome).challenges.flatMap(parseChallenges);
}

/** A fresh SHA-256 (or MD5) challenge from the authenticator. */
function challenge(check: (r: AuthRequest) => AuthOutcome, algorithm = 'SHA-256'): Challenge {
  const found = challengesOf(check(request('/'))).find((c) => c.params.algorithm === algorithm);
  if (found === undefined) throw new Error(`no ${algorithm} challenge`);
  return found;
}

interface HandMade {
  readonly username?: string;
  readonly password?: string;
  readonly method?: string;
  readonly uri?: string;
  readonly nc?: string;
  readonly cnonce?: string;
  /** `null` leaves the parameter out. */
  readonly algorithm?: string | null;
  readonly qop?: string | null;
  readonly realm?: string;
  readonly opaque?: string | null;
  readonly nonce?: string;
  /** Extra raw parameters, appended as they are. */
  readonly extra?: string;
  /** Sends `username*` (RFC 8187) instead of `username`. */
  readonly extended?: boolean;
}

/** An `Authorization: Digest` computed here, independently of the client code (§3.4.1). */
function byHand(c: Challenge, o: HandMade = {}): string {
  const algorithm = o.algorithm === undefined ? (c.params.algorithm ?? 'MD5') : o.algorithm;
  const hash = (algorithm ?? 'MD5').toUpperCase().startsWith('SHA-256') ? 'sha256' : 'md5';
  const h = (text: string) => createHash(hash).update(text, 'utf8').digest('hex');
  const user = o.username ?? USER;
  const realm = o.realm ?? c.params.realm ?? '';
  const nonce = o.nonce ?? c.params.nonce ?? '';
  const uri = o.uri ?? '/';
  const nc = o.nc ?? '00000001';
  const cnonce = o.cnonce ?? 'c-nonce-0a1b';
  const qop = o.qop === undefined ? 'auth' : o.qop;
  const ha1 = h(`${user}:${realm}:${o.password ?? PASS}`);
  const ha2 = h(`${o.method ?? 'GET'}:${uri}`);
  const response =
    qop === null ? h(`${ha1}:${nonce}:${ha2}`) : h(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
  const parts = [
    o.extended
      ? `username*=UTF-8''${encodeURIComponent(user)}`
      : `username="${user.replace(/["\\]/g, '\\$&')}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `uri="${uri}"`,
    `response="${response}"`,
  ];
  if (algorithm !== null) parts.push(`algorithm=${algorithm}`);
  if (qop !== null) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  const opaque = o.opaque === undefined ? c.params.opaque : o.opaque;
  if (opaque !== null && opaque !== undefined) parts.push(`opaque="${opaque}"`);
  if (o.extra !== undefined) parts.push(o.extra);
  return `Digest ${parts.join(', ')}`;
}

const CREDENTIALS = { username: USER, password: PASS };

/** Runs curl; `ok` is false when it failed or is not installed. */
function curl(args: readonly string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile('curl', [...args], { timeout: 10_000 }, (err, stdout) =>
      resolve({ ok: err === null, out: stdout }),
    );
  });
}
const hasCurl = (await curl(['--version'])).ok;

describe('digest challenges (RFC 7616 §3.3, §3.7)', () => {
  it('answers a request without credentials with AUTH_REQUIRED and two challenges', () => {
    const { check } = digest();
    const outcome = refused(check(request('/items/1')));
    expect(outcome).toMatchObject({
      status: 401,
      code: 'AUTH_REQUIRED',
      reason: 'no digest credentials',
    });
    expect(outcome.challenges).toHaveLength(2);
    const [sha, md5] = challengesOf(outcome);
    expect(outcome.challenges[0]).toMatch(
      /^Digest realm="stock-api", qop="auth", algorithm=SHA-256, nonce="[\w-]+", opaque="[\w-]+", charset=UTF-8$/,
    );
    expect(sha?.params).toMatchObject({ realm: REALM, qop: 'auth', algorithm: 'SHA-256' });
    expect(md5?.params).toMatchObject({ realm: REALM, qop: 'auth', algorithm: 'MD5' });
    expect(md5?.params.nonce).toBe(sha?.params.nonce);
    expect(sha?.params.stale).toBeUndefined();
  });

  it('treats another scheme as no credentials', () => {
    const { check } = digest();
    expect(refused(check(request('/', 'Basic YW5uOnB3')))).toMatchObject({
      code: 'AUTH_REQUIRED',
    });
  });

  it('issues a fresh nonce with every refusal', () => {
    const { check } = digest();
    const nonces = new Set([1, 2, 3].map(() => challengesOf(check(request('/')))[0]?.params.nonce));
    expect(nonces.size).toBe(3);
  });

  it('declares no public documents nor credential query parameters', () => {
    const { authenticator } = digest();
    expect(authenticator.scheme).toBe('digest');
    expect(authenticator.publicDocuments).toEqual([]);
    expect(authenticator.credentialQueryParameters).toEqual([]);
  });
});

describe('digest verification (RFC 7616 §3.4)', () => {
  it('accepts the engine client answering the preferred SHA-256 challenge', () => {
    const { check } = digest();
    const header = refused(check(request('/items/1?full=yes'))).challenges;
    const answer = answerDigest(header, CREDENTIALS, 'GET', '/items/1?full=yes');
    expect(answer).toContain('algorithm=SHA-256');
    expect(check(request('/items/1?full=yes', answer))).toEqual({ ok: true });
  });

  it('accepts the engine client answering the MD5 challenge', () => {
    const { check } = digest();
    const answer = digestAuthorization(
      challenge(check, 'MD5'),
      CREDENTIALS,
      'POST',
      '/items',
      'abc',
    );
    expect(check(request('/items', answer, 'POST'))).toEqual({ ok: true });
  });

  it('accepts answers computed by hand, MD5 when the algorithm is absent', () => {
    const { check } = digest();
    expect(check(request('/a', byHand(challenge(check), { uri: '/a' })))).toEqual({ ok: true });
    const md5 = challenge(check, 'MD5');
    expect(check(request('/b', byHand(md5, { uri: '/b', algorithm: null })))).toEqual({
      ok: true,
    });
  });

  it('accepts a response in upper-case hex', () => {
    const { check } = digest();
    const header = byHand(challenge(check)).replace(
      /response="([0-9a-f]+)"/,
      (_m, r: string) => `response="${r.toUpperCase()}"`,
    );
    expect(check(request('/', header))).toEqual({ ok: true });
  });

  it.each<[string, HandMade, string, string?]>([
    ['a wrong password', { password: 'pa:ss w0rD' }, 'wrong digest response'],
    ['a wrong user', { username: 'bob' }, 'wrong digest response'],
    ['a response for another method', { method: 'DELETE' }, 'wrong digest response'],
    ['a response for another uri', { uri: '/other' }, 'uri mismatch'],
    ['another realm', { realm: 'elsewhere' }, 'wrong realm'],
    ['no opaque', { opaque: null }, 'wrong opaque'],
    ['another opaque', { opaque: 'AAAA' }, 'wrong opaque'],
    ['no qop (RFC 2069)', { qop: null }, 'digest without qop'],
    ['qop=auth-int', { qop: 'auth-int' }, 'unsupported qop'],
    ['a -sess algorithm', { algorithm: 'SHA-256-sess' }, 'unsupported algorithm'],
    ['SHA-512-256', { algorithm: 'SHA-512-256' }, 'unsupported algorithm'],
    ['userhash=true', { extra: 'userhash=true' }, 'unsupported userhash'],
    ['an nc of 7 digits', { nc: '0000001' }, 'malformed digest credentials'],
    ['an nc of zero', { nc: '00000000' }, 'malformed digest credentials'],
    ['username and username*', { extra: "username*=UTF-8''ann" }, 'malformed digest credentials'],
  ])('refuses %s', (_name, options, reason) => {
    const { check } = digest();
    const outcome = refused(check(request('/', byHand(challenge(check), options))));
    expect(outcome).toMatchObject({ status: 401, code: 'AUTH_INVALID', reason });
    expect(outcome.challenges).toHaveLength(2);
    expect(outcome.challenges.join()).not.toContain('stale');
  });

  it.each([
    ['only the scheme', 'Digest'],
    ['no response', 'Digest username="ann", realm="stock-api", nonce="n", uri="/", qop=auth'],
    ['a stray token', null],
  ])('refuses malformed credentials: %s', (_name, raw) => {
    const { check } = digest();
    const header = raw ?? `${byHand(challenge(check))}, stray`;
    expect(refused(check(request('/', header)))).toMatchObject({
      code: 'AUTH_INVALID',
      reason: 'malformed digest credentials',
    });
  });

  it('compares the uri with the request-target, query included', () => {
    const { check } = digest();
    const header = byHand(challenge(check), { uri: '/items?page=1' });
    expect(refused(check(request('/items?page=2', header))).reason).toBe('uri mismatch');
    expect(check(request('/items?page=1', header))).toEqual({ ok: true });
  });

  it('accepts username* (RFC 8187) for a user name outside ASCII', () => {
    const { check } = digest({}, { type: 'digest', username: 'Jäsøn Doe', password: PASS });
    const header = byHand(challenge(check), { username: 'Jäsøn Doe', extended: true });
    expect(header).toContain("username*=UTF-8''J%C3%A4s%C3%B8n%20Doe");
    expect(check(request('/', header))).toEqual({ ok: true });
    const latin1 = header.replace("UTF-8''J%C3%A4s%C3%B8n", "ISO-8859-1''J%E4s%F8n");
    expect(refused(check(request('/', latin1))).reason).toBe('malformed digest credentials');
    const broken = header.replace('%C3%A4', '%C3%');
    expect(refused(check(request('/', broken))).reason).toBe('malformed digest credentials');
  });

  it('never tells or logs what the client sent', () => {
    const { check } = digest();
    const marker = 'MARKER-7f3a';
    const c = challenge(check);
    for (const options of [
      { username: marker },
      { uri: `/${marker}` },
      { realm: marker },
      { cnonce: marker, password: marker },
      { nonce: `${marker}x` },
      { algorithm: marker },
    ]) {
      const outcome = refused(check(request('/', byHand(c, options))));
      expect(`${outcome.reason} ${outcome.detail} ${outcome.challenges.join()}`).not.toContain(
        marker,
      );
    }
  });

  it('fails closed when the expected credentials are missing or unresolved', () => {
    expect(() => compileDigest({ type: 'digest', username: USER }, context())).toThrow(
      expect.objectContaining({ code: 'AUTH_UNENFORCEABLE' }),
    );
    expect(() =>
      compileDigest({ type: 'digest', username: USER, password: '{{PASS}}' }, context()),
    ).toThrow(expect.objectContaining({ code: 'AUTH_UNENFORCEABLE' }));
    const resolved = compileDigest(
      { type: 'digest', username: USER, password: '{{PASS}}' },
      context({ PASS }),
    );
    const answer = answerDigest(
      refused(resolved.check(request('/')) as AuthOutcome).challenges,
      CREDENTIALS,
      'GET',
      '/',
    );
    expect(resolved.check(request('/', answer))).toEqual({ ok: true });
  });
});

describe('digest nonces (RFC 7616 §3.3, §5.3)', () => {
  it('refuses a nonce whose HMAC is not ours', () => {
    const { check } = digest();
    const nonce = challenge(check).params.nonce ?? '';
    const last = nonce.slice(-2, -1) === 'A' ? 'B' : 'A';
    const forged = `${nonce.slice(0, -2)}${last}${nonce.slice(-1)}`;
    const c = challenge(check);
    for (const bad of [forged, 'dcd98b7102dd2f0e8b11d0f600bfb0c093', '', `${nonce}=`]) {
      expect(refused(check(request('/', byHand(c, { nonce: bad })))).reason).toBe('unknown nonce');
    }
  });

  it('refuses a nonce issued by another authenticator (another secret)', () => {
    const one = digest();
    const other = digest();
    const c = challenge(other.check);
    const header = byHand({
      ...c,
      params: { ...c.params, opaque: challenge(one.check).params.opaque ?? '' },
    });
    expect(refused(one.check(request('/', header))).reason).toBe('unknown nonce');
  });

  it('refuses a repeated or lower nonce count and accepts a higher one', () => {
    const { check } = digest();
    const c = challenge(check);
    const at = (nc: string) => check(request('/', byHand(c, { nc })));
    expect(at('00000001')).toEqual({ ok: true });
    expect(refused(at('00000001'))).toMatchObject({
      code: 'AUTH_INVALID',
      reason: 'replayed nonce count',
    });
    expect(at('0000000a')).toEqual({ ok: true });
    expect(refused(at('00000009')).reason).toBe('replayed nonce count');
    expect(refused(at('0000000A')).reason).toBe('replayed nonce count');
    expect(at('0000000b')).toEqual({ ok: true });
  });

  it('counts a wrong response against nothing: the right one still passes after it', () => {
    const { check } = digest();
    const c = challenge(check);
    expect(refused(check(request('/', byHand(c, { password: 'x' })))).reason).toBe(
      'wrong digest response',
    );
    expect(check(request('/', byHand(c)))).toEqual({ ok: true });
  });

  it('answers an expired nonce with a correct response with stale=true', () => {
    const { check, clock } = digest({ nonceLifetimeMs: 60_000 });
    const c = challenge(check);
    clock.t += 59_999;
    expect(check(request('/', byHand(c, { nc: '00000001' })))).toEqual({ ok: true });
    clock.t += 1;
    const stale = refused(check(request('/', byHand(c, { nc: '00000002' }))));
    expect(stale).toMatchObject({ status: 401, code: 'AUTH_INVALID', reason: 'stale nonce' });
    const fresh = challengesOf(stale);
    expect(fresh.map((x) => x.params.stale)).toEqual(['true', 'true']);
    expect(fresh[0]?.params.nonce).not.toBe(c.params.nonce);
    // The client retries with the new nonce, without asking its user again.
    expect(check(request('/', answerDigest(stale.challenges, CREDENTIALS, 'GET', '/')))).toEqual({
      ok: true,
    });
  });

  it('does not say stale when the response is wrong too', () => {
    const { check, clock } = digest({ nonceLifetimeMs: 1_000 });
    const c = challenge(check);
    clock.t += 5_000;
    const outcome = refused(check(request('/', byHand(c, { password: 'nope' }))));
    expect(outcome.reason).toBe('wrong digest response');
    expect(outcome.challenges.join()).not.toContain('stale');
  });

  it('treats a nonce evicted for capacity as stale, never as fresh', () => {
    const { check, clock } = digest({ maxTrackedNonces: 2 });
    const first = challenge(check);
    clock.t += 1;
    const second = challenge(check);
    clock.t += 1;
    const third = challenge(check);
    for (const c of [first, second, third]) {
      expect(check(request('/', byHand(c)))).toEqual({ ok: true });
    }
    // `first` was evicted to make room for `third`: replaying it must not look like a first use.
    expect(refused(check(request('/', byHand(first)))).reason).toBe('stale nonce');
    expect(refused(check(request('/', byHand(first, { nc: '00000002' })))).reason).toBe(
      'stale nonce',
    );
    // The tracked ones keep their counts.
    expect(refused(check(request('/', byHand(third)))).reason).toBe('replayed nonce count');
    expect(check(request('/', byHand(second, { nc: '00000002' })))).toEqual({ ok: true });
  });

  it('never re-opens a replay when an expired entry is dropped and the clock goes back', () => {
    const { check, clock } = digest({ nonceLifetimeMs: 10_000 });
    const start = clock.t;
    const old = challenge(check);
    expect(check(request('/', byHand(old)))).toEqual({ ok: true });
    clock.t += 20_000;
    // Using a new nonce sweeps the expired entry of `old` out of the map.
    expect(check(request('/', byHand(challenge(check))))).toEqual({ ok: true });
    clock.t = start;
    expect(refused(check(request('/', byHand(old)))).reason).toBe('stale nonce');
  });
});

describe('digest through real HTTP (REST adapter)', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await closeRestApps();
  });

  /** A REST adapter protected by digest in front of a recording upstream. */
  async function protectedStock() {
    const up = await startUpstream((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"sku":"A-1","count":3}');
    });
    stops.push(() => up.close());
    const text = yaml`
      naftiko: 1.0.0-alpha2
      info:
        label: Stock
        description: Stock levels behind HTTP Digest.
      binds:
        - namespace: env
          keys:
            STOCK_USER: STOCK_USER
            STOCK_PASS: STOCK_PASS
      capability:
        consumes:
          - type: http
            namespace: warehouse
            baseUri: http://warehouse.invalid
            resources:
              - name: items
                path: /items/{{sku}}
                operations:
                  - name: get-item
                    method: GET
                    inputParameters:
                      - name: sku
                        in: path
        exposes:
          - type: rest
            namespace: stock-api
            port: 8080
            authentication:
              type: digest
              username: '{{env.STOCK_USER}}'
              password: '{{env.STOCK_PASS}}'
            resources:
              - path: /items/{sku}
                name: item
                operations:
                  - method: GET
                    name: get-item
                    call: warehouse.get-item
                    with:
                      sku: rest.sku
    `;
    const result = await createValidator().validateText('/tmp/stock.yaml', text);
    const capability = result.capability;
    if (capability === undefined) throw new Error('invalid stock capability');
    const runtime = createRuntime(capability, {
      baseUris: new Map([['warehouse', up.url]]),
      env: { STOCK_USER: USER, STOCK_PASS: PASS },
    });
    const adapter = capability.doc.capability?.exposes?.[0] as ExposesRest;
    const running = await startRestAdapter(adapter, runtime, { port: 0, address: '127.0.0.1' });
    stops.push(async () => {
      await running.stop(1_000);
      await runtime.close();
    });
    return { up, url: running.url };
  }

  /** A second capability that consumes the protected adapter with the engine's digest client. */
  function client(stockUrl: string, password: string) {
    return restApp(
      yaml`
        naftiko: 1.0.0-alpha2
        info:
          label: Shop
          description: Reads stock through HTTP Digest.
        binds:
          - namespace: env
            keys:
              STOCK_USER: STOCK_USER
              STOCK_PASS: STOCK_PASS
        capability:
          consumes:
            - type: http
              namespace: stock
              baseUri: http://stock.invalid
              authentication:
                type: digest
                username: '{{env.STOCK_USER}}'
                password: '{{env.STOCK_PASS}}'
              resources:
                - name: items
                  path: /items/{{sku}}
                  operations:
                    - name: get-item
                      method: GET
                      inputParameters:
                        - name: sku
                          in: path
          exposes:
            - type: rest
              namespace: shop-api
              port: 8080
              resources:
                - path: /stock/{sku}
                  name: stock
                  operations:
                    - method: GET
                      name: get-stock
                      call: stock.get-item
                      with:
                        sku: rest.sku
      `,
      { upstreams: { stock: stockUrl }, env: { STOCK_USER: USER, STOCK_PASS: password } },
    );
  }

  it('lets the engine digest client through and refuses it with a wrong password', async () => {
    const stock = await protectedStock();
    const shop = await client(stock.url, PASS);
    const ok = await shop.app.inject({ method: 'GET', url: '/stock/A-1' });
    expect(ok.statusCode).toBe(200);
    expect(body(ok)).toEqual({ sku: 'A-1', count: 3 });
    expect(stock.up.requests).toHaveLength(1);
    expect(stock.up.last().headers.authorization).toBeUndefined();

    const intruder = await client(stock.url, 'guess');
    const no = await intruder.app.inject({ method: 'GET', url: '/stock/A-1' });
    expect(no.statusCode).not.toBe(200);
    expect(stock.up.requests).toHaveLength(1);
  });

  it('refuses a request without credentials, and a replayed one, before the upstream', async () => {
    const stock = await protectedStock();
    const url = `${stock.url}/items/A-1?fields=count`;
    const first = await fetch(url);
    expect(first.status).toBe(401);
    expect(first.headers.get('content-type')).toContain('application/problem+json');
    expect(((await first.json()) as { code: string }).code).toBe('AUTH_REQUIRED');
    const challenges = first.headers.get('www-authenticate') ?? '';
    expect(parseChallenges(challenges).map((c) => c.params.algorithm)).toEqual(['SHA-256', 'MD5']);

    const answer = answerDigest(challenges, CREDENTIALS, 'GET', '/items/A-1?fields=count') ?? '';
    const ok = await fetch(url, { headers: { authorization: answer } });
    expect(ok.status).toBe(200);
    expect(stock.up.requests).toHaveLength(1);

    const replayed = await fetch(url, { headers: { authorization: answer } });
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { code: string }).code).toBe('AUTH_INVALID');
    const elsewhere = await fetch(`${stock.url}/items/B-2`, { headers: { authorization: answer } });
    expect(elsewhere.status).toBe(401);
    expect(stock.up.requests).toHaveLength(1);
  });

  it.skipIf(!hasCurl)('works with curl --digest', async () => {
    const stock = await protectedStock();
    const base = ['-s', '--noproxy', '*', '-o', '/dev/null', '-w', '%{http_code}', '--digest'];
    const right = await curl([...base, '-u', `${USER}:${PASS}`, `${stock.url}/items/A-1?x=1`]);
    expect(right.out).toBe('200');
    expect(stock.up.requests).toHaveLength(1);
    const wrong = await curl([...base, '-u', `${USER}:nope`, `${stock.url}/items/A-1`]);
    expect(wrong.out).toBe('401');
    expect(stock.up.requests).toHaveLength(1);
  });
});
