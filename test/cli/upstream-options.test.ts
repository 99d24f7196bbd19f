/**
 * `naftiko run`'s upstream and access-log options (issue 11), through a real subprocess over a
 * recording upstream on 127.0.0.1: --upstream-retries / NAFTIKO_UPSTREAM_RETRIES,
 * --max-upstream-body / NAFTIKO_MAX_UPSTREAM_BODY, --circuit-threshold, --access-log /
 * NAFTIKO_ACCESS_LOG (one JSON line per request, with the request id and the upstream calls,
 * never a query value); bad values are usage errors; `--help` shows them with their twins.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream } from '../consumes/http/helpers/upstream.js';
import type { Upstream } from '../consumes/http/helpers/upstream.js';
import { runCli } from '../helpers/cli.js';
import type { EnvOverrides } from '../helpers/run-capability.js';
import {
  ensureBuilt,
  runCapability,
  startCapability,
  stopAllCapabilities,
} from '../helpers/run-capability.js';
import { CONSUMES_NS, REST_NS, SEED } from '../e2e/support.js';

const TWINS = [
  'NAFTIKO_UPSTREAM_RETRIES',
  'NAFTIKO_MAX_UPSTREAM_BODY',
  'NAFTIKO_CIRCUIT_THRESHOLD',
  'NAFTIKO_CIRCUIT_COOLDOWN',
  'NAFTIKO_ACCESS_LOG',
];
const BASE_ENV: EnvOverrides = {
  GONG_API_KEY: 'unused-key',
  ...Object.fromEntries(TWINS.map((name) => [name, undefined])),
};
const RESOURCE = '/v1/crm/integrations';

let upstream: Upstream;
/** What the upstream answers next: a status (with a small JSON body), or a body size. */
let answer: { status: number } | { bytes: number } = { status: 200 };

beforeAll(async () => {
  ensureBuilt();
  upstream = await startUpstream((_req, res) => {
    res.setHeader('content-type', 'application/json');
    if ('bytes' in answer) {
      res.end(`"${'x'.repeat(answer.bytes - 2)}"`);
      return;
    }
    res.statusCode = answer.status;
    res.end('{"integrations":[]}');
  });
}, 120_000);
afterEach(async () => {
  await stopAllCapabilities();
  answer = { status: 200 };
});
afterAll(async () => {
  await upstream?.close();
});

async function start(args: string[], env: EnvOverrides = {}) {
  return startCapability(SEED, ['--base-uri', `${CONSUMES_NS}=${upstream.url}/v2`, ...args], {
    ...BASE_ENV,
    ...env,
  });
}

describe('upstream options', () => {
  it('lists each option with its environment twin in --help', async () => {
    const help = await runCli(['run', '--help']);
    expect(help.code).toBe(0);
    for (const [option, twin] of [
      ['--max-upstream-body', 'NAFTIKO_MAX_UPSTREAM_BODY'],
      ['--upstream-retries', 'NAFTIKO_UPSTREAM_RETRIES'],
      ['--circuit-threshold', 'NAFTIKO_CIRCUIT_THRESHOLD'],
      ['--circuit-cooldown', 'NAFTIKO_CIRCUIT_COOLDOWN'],
      ['--access-log', 'NAFTIKO_ACCESS_LOG=1'],
    ] as const) {
      expect(help.stdout).toContain(option);
      expect(help.stdout).toContain(twin);
    }
  });

  it('retries as --upstream-retries and its twin say', async () => {
    answer = { status: 503 };
    const none = await start(['--upstream-retries', '0']);
    let before = upstream.requests.length;
    expect((await fetch(`${none.urls.get(REST_NS)}${RESOURCE}`)).status).toBe(503);
    expect(upstream.requests.length - before).toBe(1);
    await none.stop();

    const one = await start([], { NAFTIKO_UPSTREAM_RETRIES: '1' });
    before = upstream.requests.length;
    expect((await fetch(`${one.urls.get(REST_NS)}${RESOURCE}`)).status).toBe(503);
    expect(upstream.requests.length - before).toBe(2);
  });

  it('bounds upstream bodies with --max-upstream-body', async () => {
    const engine = await start([], { NAFTIKO_MAX_UPSTREAM_BODY: '1000' });
    answer = { bytes: 2000 };
    const refused = await fetch(`${engine.urls.get(REST_NS)}${RESOURCE}`);
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { code: string }).code).toBe('UPSTREAM_TOO_LARGE');
    answer = { bytes: 900 };
    expect((await fetch(`${engine.urls.get(REST_NS)}${RESOURCE}`)).status).toBe(200);
  });

  it('opens the circuit after --circuit-threshold failures, and logs it', async () => {
    answer = { status: 500 };
    const engine = await start(['--circuit-threshold', '2', '--upstream-retries', '0']);
    const url = `${engine.urls.get(REST_NS)}${RESOURCE}`;
    expect((await fetch(url)).status).toBe(500);
    expect((await fetch(url)).status).toBe(500);
    const refused = await fetch(url);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(engine.events).toContainEqual(
      expect.objectContaining({ event: 'upstream.circuit', state: 'open' }),
    );
  });

  it('writes one access-log line per request with --access-log, never a query value', async () => {
    const engine = await start(['--access-log']);
    const response = await fetch(`${engine.urls.get(REST_NS)}${RESOURCE}?cursor=secret-cursor-5`, {
      headers: { 'x-request-id': 'cli-req-1' },
    });
    expect(response.status).toBe(200);
    await expect.poll(() => engine.events.filter((e) => e['event'] === 'request').length).toBe(1);
    const line = engine.events.find((e) => e['event'] === 'request');
    expect(line).toMatchObject({
      level: 'info',
      status: 200,
      requestId: 'cli-req-1',
      operation: expect.any(String),
      upstream: [{ call: expect.stringContaining(`${CONSUMES_NS}.`), outcome: 200 }],
    });
    expect(engine.stdout()).not.toContain('secret-cursor-5');
    expect(upstream.last().headers['x-request-id']).toBe('cli-req-1');
  });

  it('writes no access log by default, nor with NAFTIKO_ACCESS_LOG=0; writes it with =1', async () => {
    const on = await start([], { NAFTIKO_ACCESS_LOG: '1' });
    expect((await fetch(`${on.urls.get(REST_NS)}${RESOURCE}`)).status).toBe(200);
    await expect.poll(() => on.events.some((e) => e['event'] === 'request')).toBe(true);
    await on.stop();
    const off = await start([], { NAFTIKO_ACCESS_LOG: '0' });
    expect((await fetch(`${off.urls.get(REST_NS)}${RESOURCE}`)).status).toBe(200);
    // The 'on' engine's line came within this time; give the 'off' one as long.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(off.events.some((e) => e['event'] === 'request')).toBe(false);
    await off.stop();
    const engine = await start([]);
    expect((await fetch(`${engine.urls.get(REST_NS)}${RESOURCE}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(engine.events.some((e) => e['event'] === 'request')).toBe(false);
  });

  it('refuses bad values with exit 2 USAGE_INVALID', async () => {
    for (const args of [
      ['--upstream-retries', '-1'],
      ['--max-upstream-body', 'lots'],
      ['--circuit-cooldown', '0'],
    ]) {
      const result = await runCapability(SEED, args, BASE_ENV);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('USAGE_INVALID');
    }
    const env = await runCapability(SEED, [], { ...BASE_ENV, NAFTIKO_ACCESS_LOG: 'maybe' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('NAFTIKO_ACCESS_LOG expects 1 or 0');
  });
});
