/**
 * Discovery against an authorization server that accepts connections and never answers times
 * out, even when the garbage collector runs meanwhile (a timeout signal held only weakly, as
 * `AbortSignal.timeout()` inside `AbortSignal.any()` is on Node 20, was collected and never
 * fired: requests with a token then waited minutes instead of getting a 503). Run in a child
 * process with `--expose-gc`, against the built engine.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt } from '../../helpers/cli.js';

beforeAll(() => ensureBuilt(), 120_000);

const SCRIPT = `
import net from 'node:net';
const { compileOAuth2 } = await import(process.env.OAUTH2_MODULE);
const silent = net.createServer(() => {}); // accepts, never answers
await new Promise((r) => silent.listen(0, '127.0.0.1', r));
const as = 'http://127.0.0.1:' + silent.address().port;
const auth = await compileOAuth2(
  { type: 'oauth2', authorizationServerUri: as, resource: 'https://api.example.test/x' },
  { variables: () => undefined, label: 'REST adapter "x"', realm: 'x' },
  { fetchTimeoutMs: 300 },
);
const gc = setInterval(() => globalThis.gc(), 20);
const started = Date.now();
const outcome = await Promise.race([
  auth.check({ method: 'GET', url: '/', headers: { authorization: 'Bearer a.b.c' } }),
  new Promise((r) => setTimeout(() => r({ hung: true }), 5000)),
]);
clearInterval(gc);
console.log(JSON.stringify({ ...outcome, ms: Date.now() - started }));
await auth.close();
silent.close();
process.exit(0);
`;

describe('oauth2 discovery timeout', () => {
  it('fires although the garbage collector runs while the server stays silent', () => {
    const module = pathToFileURL(path.join(REPO_ROOT, 'dist/exposes/auth/oauth2.js')).href;
    const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', SCRIPT], {
      env: { ...process.env, OAUTH2_MODULE: module },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.stderr).toBe('');
    const outcome = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
    expect(outcome).toMatchObject({ ok: false, status: 503, code: 'AUTH_UNAVAILABLE' });
    expect(outcome.ms).toBeLessThan(3_000);
  });
});
