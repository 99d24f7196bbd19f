/** Digest challenge parsing and the RFC 7616 §3.9.1 test vectors. */
import { describe, expect, it } from 'vitest';
import { digestAuthorization, parseChallenges } from '../../../src/consumes/http/digest-auth.js';

describe('parseChallenges', () => {
  it('splits several challenges and unquotes values', () => {
    expect(
      parseChallenges('Basic realm="a, b", Digest realm="r\\"x", nonce=abc, qop="auth,auth-int"'),
    ).toEqual([
      { scheme: 'Basic', params: { realm: 'a, b' } },
      { scheme: 'Digest', params: { realm: 'r"x', nonce: 'abc', qop: 'auth,auth-int' } },
    ]);
  });
});

describe('digestAuthorization (RFC 7616 §3.9.1)', () => {
  const params = {
    realm: 'http-auth@example.org',
    qop: 'auth, auth-int',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  };
  const credentials = { username: 'Mufasa', password: 'Circle of Life' };
  const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ])('%s', (algorithm, response) => {
    const header = digestAuthorization(
      { scheme: 'Digest', params: { ...params, algorithm } },
      credentials,
      'GET',
      '/dir/index.html',
      cnonce,
    );
    expect(header).toContain(`response="${response}"`);
    expect(header).toContain('qop=auth, nc=00000001');
    expect(header).toContain(`opaque="${params.opaque}"`);
  });
});
