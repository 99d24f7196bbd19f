/**
 * HTTP Digest access authentication, client side (RFC 7616): parses `WWW-Authenticate`
 * challenges and computes the `Authorization` answer. Supported: algorithms MD5, SHA-256 and
 * their `-sess` variants, `qop=auth` (and the RFC 2069 form without qop); SHA-256 is preferred
 * when several challenges are offered. `auth-int`-only challenges and `userhash` are not
 * supported (the 401 is then returned as it is).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Credentials } from './auth.js';

export interface Challenge {
  readonly scheme: string;
  /** Parameter names in lower case, quoted values unescaped. */
  readonly params: Readonly<Record<string, string>>;
}

const ALGORITHMS: Record<string, { hash: string; sess: boolean; rank: number }> = {
  'SHA-256': { hash: 'sha256', sess: false, rank: 4 },
  'SHA-256-SESS': { hash: 'sha256', sess: true, rank: 3 },
  MD5: { hash: 'md5', sess: false, rank: 2 },
  'MD5-SESS': { hash: 'md5', sess: true, rank: 1 },
};

/** The Authorization value answering the best supported Digest challenge, if any. */
export function answerDigest(
  header: string | readonly string[] | undefined,
  credentials: Credentials,
  method: string,
  uri: string,
): string | undefined {
  const values = header === undefined ? [] : typeof header === 'string' ? [header] : header;
  const best = values
    .flatMap(parseChallenges)
    .filter((c) => c.scheme.toLowerCase() === 'digest' && usable(c))
    .sort((a, b) => algorithm(b).rank - algorithm(a).rank)[0];
  if (best === undefined) return undefined;
  return digestAuthorization(best, credentials, method, uri, randomBytes(16).toString('hex'));
}

function algorithm(c: Challenge) {
  return (
    ALGORITHMS[(c.params.algorithm ?? 'MD5').toUpperCase()] ?? { hash: '', sess: false, rank: 0 }
  );
}

function usable(c: Challenge): boolean {
  const qop = c.params.qop;
  const qopOk = qop === undefined || qop.split(',').some((q) => q.trim().toLowerCase() === 'auth');
  return algorithm(c).rank > 0 && c.params.nonce !== undefined && qopOk;
}

/** The Authorization value for one challenge (RFC 7616 §3.4), with the given client nonce. */
export function digestAuthorization(
  c: Challenge,
  credentials: Credentials,
  method: string,
  uri: string,
  cnonce: string,
): string {
  const { hash, sess } = algorithm(c);
  const h = (text: string) => createHash(hash).update(text, 'utf8').digest('hex');
  const { realm = '', nonce = '', opaque, qop } = c.params;
  const nc = '00000001';
  let ha1 = h(`${credentials.username}:${realm}:${credentials.password}`);
  if (sess) ha1 = h(`${ha1}:${nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  const withQop = qop !== undefined;
  const response = withQop
    ? h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : h(`${ha1}:${nonce}:${ha2}`);
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `uri=${quote(uri)}`,
    `algorithm=${c.params.algorithm ?? 'MD5'}`,
    `response="${response}"`,
  ];
  if (withQop) parts.push('qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`);
  if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;
const BARE = /[^\s,]*/y;

/** Parses one WWW-Authenticate value: `Scheme a=b, c="d", Other ...` (RFC 9110 §11.6.1). */
export function parseChallenges(header: string): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let pos = 0;
  const match = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = pos;
    const m = re.exec(header);
    if (m) pos = re.lastIndex;
    return m;
  };
  while (pos < header.length) {
    while (pos < header.length && /[\s,]/.test(header.charAt(pos))) pos++;
    const token = match(TOKEN);
    if (token === null) {
      pos++;
      continue;
    }
    while (header.charAt(pos) === ' ' || header.charAt(pos) === '\t') pos++;
    const current = challenges[challenges.length - 1];
    if (header.charAt(pos) === '=' && current !== undefined) {
      pos++;
      while (header.charAt(pos) === ' ' || header.charAt(pos) === '\t') pos++;
      const quoted = match(QUOTED);
      const value = quoted ? (quoted[1] ?? '').replace(/\\(.)/g, '$1') : (match(BARE)?.[0] ?? '');
      current.params[token[0].toLowerCase()] = value;
    } else {
      challenges.push({ scheme: token[0], params: {} });
    }
  }
  return challenges;
}
